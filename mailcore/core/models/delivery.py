"""Inbound delivery policy models: sender black/white lists, undeliverable transfer, spam."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ListKind(StrEnum):
    BLOCK = "block"
    ALLOW = "allow"


class BlockAction(StrEnum):
    REFUSE = "refuse"  # 550 at RCPT
    SPAM = "spam"  # accepted, delivered to the Spam folder


class SenderListEntry(Model):
    """An external domain or address on an enterprise list (member null) or a member's list."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="sender_lists", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="sender_lists", null=True, on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ListKind, max_length=8)
    pattern = fields.CharField(max_length=320)  # "domain.tld" or "local@domain.tld", lowercase
    action = fields.CharEnumField(BlockAction, max_length=8, default=BlockAction.REFUSE)
    note = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sender_list_entry"
        indexes = (("enterprise_id", "pattern"),)


class DomainTransfer(Model):
    """Mail to a non-existent address of ``domain`` goes to ``target`` instead of a 550."""

    id = fields.IntField(primary_key=True)
    domain: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Domain", related_name="transfer", on_delete=fields.CASCADE
    )
    target: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="transfers", on_delete=fields.CASCADE
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "domain_transfer"


class SpamSetting(Model):
    """An enterprise's spam filtering: on or off, and the score from which mail is spam."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Enterprise", related_name="spam_setting", on_delete=fields.CASCADE
    )
    enabled = fields.BooleanField(default=True)
    threshold = fields.FloatField(default=5.0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "spam_setting"
