"""Organisation models: enterprises (tenants), their domains, members, aliases, sessions."""

from tortoise import fields
from tortoise.models import Model

from mailcore.core.models.security import ClientKind


class Enterprise(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    secure_login = fields.BooleanField(default=False, db_default=False)
    # Mail clients (IMAP, POP3, SMTP) sign in with app passwords only, even without secure login.
    app_passwords_required = fields.BooleanField(default=False, db_default=False)
    members_post_notices = fields.BooleanField(default=False, db_default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "enterprise"


class Domain(Model):
    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="domains", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=253, unique=True)
    is_primary = fields.BooleanField(default=False)
    # An alias domain: local@alias reaches the member local@<the enterprise's primary domain>.
    is_alias = fields.BooleanField(default=False, db_default=False)
    dkim_selector = fields.CharField(max_length=63, default="qiyou", db_default="qiyou")
    dkim_private_key = fields.TextField(default="", db_default="")
    dkim_public_key = fields.TextField(default="", db_default="")
    dns_status = fields.JSONField(default=dict, db_default="{}")
    verified_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domain"


class Member(Model):
    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="members", on_delete=fields.CASCADE
    )
    domain: fields.ForeignKeyRelation[Domain] = fields.ForeignKeyField(
        "qiyou.Domain", related_name="members", on_delete=fields.RESTRICT
    )
    email = fields.CharField(max_length=320, unique=True)
    name = fields.CharField(max_length=200, default="")
    password_hash = fields.CharField(max_length=200)
    is_vip = fields.BooleanField(default=False)
    quota_bytes = fields.BigIntField(default=0)
    used_bytes = fields.BigIntField(default=0)
    # The highest modification sequence given in this member's mailbox (docs/imap.md):
    # every added entry and every change takes the next values, under this row's lock.
    modseq = fields.BigIntField(default=0, db_default=0)
    enabled = fields.BooleanField(default=True)
    conversation_mode = fields.BooleanField(default=True)
    position = fields.CharField(max_length=64, default="", db_default="")
    mobile = fields.CharField(max_length=32, default="", db_default="")
    tel = fields.CharField(max_length=32, default="", db_default="")
    extid = fields.CharField(max_length=64, default="", db_default="")
    gender = fields.SmallIntField(default=0, db_default=0)  # 0 unknown, 1 male, 2 female
    hidden = fields.BooleanField(default=False, db_default=False)
    must_change_password = fields.BooleanField(default=False, db_default=False)
    secure_login = fields.BooleanField(default=False, db_default=False)
    totp_secret = fields.CharField(max_length=64, default="", db_default="")
    imap_enabled = fields.BooleanField(default=True, db_default=True)
    pop_enabled = fields.BooleanField(default=True, db_default=True)
    deleted_at = fields.DatetimeField(null=True)  # soft delete: restorable for a window
    # Lowercase name, pinyin and initials and address for directory search (empty: recompute).
    search_key = fields.CharField(max_length=1024, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member"

    def has_room_for(self, size: int) -> bool:
        """VIP members have no quota; others must stay within ``quota_bytes``."""
        return self.is_vip or self.used_bytes + size <= self.quota_bytes


class Alias(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "qiyou.Member", related_name="aliases", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=320, unique=True)

    class Meta:
        table = "alias"


class AuthSession(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "qiyou.Member", related_name="sessions", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    # Which client signed in (web, miniprogram, api): the mini-program confirms QR logins.
    kind = fields.CharEnumField(
        ClientKind, max_length=16, default=ClientKind.WEB, db_default=ClientKind.WEB.value
    )
    client = fields.CharField(max_length=200, default="")
    ip = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked = fields.BooleanField(default=False)

    class Meta:
        table = "auth_session"
