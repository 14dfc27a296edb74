"""Login security models: IP allow-lists, login events, throttling, QR login tickets."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class IpRule(Model):
    """An allowed network (CIDR) for the enterprise, a department or one member.

    A login is allowed when no rule applies to the member, or when its IP is inside one of
    the rules that apply (the member own, their departments, the enterprise).
    """

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="ip_rules", on_delete=fields.CASCADE
    )
    department: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Department", related_name="ip_rules", null=True, on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="ip_rules", null=True, on_delete=fields.CASCADE
    )
    cidr = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ip_rule"


class ClientKind(StrEnum):
    WEB = "web"
    MINIPROGRAM = "miniprogram"
    SMTP = "smtp"
    IMAP = "imap"
    POP3 = "pop3"
    API = "api"
    DAV = "dav"  # CalDAV/CardDAV clients (calendars, address books)


class LoginEvent(Model):
    """One login attempt (successful or not), for self-service and admin logs."""

    id = fields.BigIntField(primary_key=True)
    enterprise: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="logins", null=True, on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="logins", null=True, on_delete=fields.CASCADE
    )
    login = fields.CharField(max_length=320)
    client = fields.CharEnumField(ClientKind, max_length=16)
    user_agent = fields.CharField(max_length=200, default="")
    ip = fields.CharField(max_length=64, default="")
    success = fields.BooleanField()
    reason = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "login_event"


class LoginThrottle(Model):
    """Failed-login counter per key (account, or account+IP) with a lockout time."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=400, unique=True)
    failures = fields.IntField(default=0)
    window_start = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "login_throttle"


class QrTicketStatus(StrEnum):
    PENDING = "pending"
    SCANNED = "scanned"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"


class SecondFactorMethod(StrEnum):
    WECHAT_QR = "wechat_qr"
    TOTP = "totp"


class QrTicket(Model):
    """A pending secure login (a password was right, a second factor is awaited).

    WeChat: the browser shows the ticket as a QR code and the mini-program confirms it.
    TOTP: the browser sends the ticket back with a code from the authenticator app.
    Only a hash of the ticket is stored.
    """

    id = fields.IntField(primary_key=True)
    ticket = fields.CharField(max_length=64, unique=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="qr_tickets", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(QrTicketStatus, max_length=16, default=QrTicketStatus.PENDING)
    method = fields.CharEnumField(
        SecondFactorMethod,
        max_length=16,
        default=SecondFactorMethod.WECHAT_QR,
        db_default=SecondFactorMethod.WECHAT_QR.value,
    )
    kind = fields.CharEnumField(
        ClientKind, max_length=16, default=ClientKind.WEB, db_default=ClientKind.WEB.value
    )
    client = fields.CharField(max_length=200, default="")
    ip = fields.CharField(max_length=64, default="")
    attempts = fields.IntField(default=0, db_default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "qr_ticket"


class WechatBinding(Model):
    """A member WeChat identity (openid from the mini-program code-to-session)."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="wechat", on_delete=fields.CASCADE
    )
    openid = fields.CharField(max_length=128, unique=True)
    unionid = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "wechat_binding"


class TotpState(Model):
    """A member TOTP enrolment: the secret awaiting confirmation, and the last time step used.

    The confirmed secret itself is ``Member.totp_secret`` (empty: TOTP is off).
    """

    id = fields.IntField(primary_key=True)
    member: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Member", related_name="totp_state", on_delete=fields.CASCADE
    )
    pending_secret = fields.CharField(max_length=64, default="")
    last_step = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "totp_state"


class AppPassword(Model):
    """A client-specific password (app password) a member made for one mail client.

    Only an argon2 hash of the secret is kept, with ``lookup``: a few hex digits of the
    secret's SHA-256, so a login checks only the (usually one) app password they match
    instead of every app password of the member.
    """

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="app_passwords", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    lookup = fields.CharField(max_length=8)
    secret_hash = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    last_used_ip = fields.CharField(max_length=64, default="")
    last_used_client = fields.CharEnumField(ClientKind, max_length=16, null=True)

    class Meta:
        table = "app_password"
        indexes = (("member_id", "lookup"),)
