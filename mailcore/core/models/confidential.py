"""Confidential mail: which messages are confidential, external links, one-time codes, reads."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CodeChannel(StrEnum):
    SMS = "sms"
    WECHAT = "wechat"
    EMAIL = "email"  # external recipients: a code to their own address


class ConfidentialMessage(Model):
    """A stored message its sender marked confidential (recipients must verify to read it)."""

    id = fields.IntField(primary_key=True)
    message: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Message", related_name="confidential", on_delete=fields.CASCADE
    )
    sender: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="confidential_sent", null=True, on_delete=fields.SET_NULL
    )
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="confidential_messages", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "confidential_message"


class ConfidentialLink(Model):
    """The verification page link mailed to one external recipient (only its hash is kept)."""

    id = fields.IntField(primary_key=True)
    confidential: fields.ForeignKeyRelation[ConfidentialMessage] = fields.ForeignKeyField(
        "qiyou.ConfidentialMessage", related_name="links", on_delete=fields.CASCADE
    )
    address = fields.CharField(max_length=320)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "confidential_link"


class ConfidentialCode(Model):
    """A one-time code sent to an internal recipient (SMS, WeChat) or an external one (email)."""

    id = fields.IntField(primary_key=True)
    confidential: fields.ForeignKeyRelation[ConfidentialMessage] = fields.ForeignKeyField(
        "qiyou.ConfidentialMessage", related_name="codes", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="confidential_codes", null=True, on_delete=fields.CASCADE
    )
    link: fields.ForeignKeyNullableRelation[ConfidentialLink] = fields.ForeignKeyField(
        "qiyou.ConfidentialLink", related_name="codes", null=True, on_delete=fields.CASCADE
    )
    channel = fields.CharEnumField(CodeChannel, max_length=16)
    code_hash = fields.CharField(max_length=64)
    salt = fields.CharField(max_length=32)
    attempts = fields.IntField(default=0)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "confidential_code"
        indexes = (("confidential_id", "member_id"),)


class ConfidentialRead(Model):
    """One verified opening: who, when, how, from where, and until when it may be viewed."""

    id = fields.IntField(primary_key=True)
    confidential: fields.ForeignKeyRelation[ConfidentialMessage] = fields.ForeignKeyField(
        "qiyou.ConfidentialMessage", related_name="reads", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="confidential_reads", null=True, on_delete=fields.SET_NULL
    )
    link: fields.ForeignKeyNullableRelation[ConfidentialLink] = fields.ForeignKeyField(
        "qiyou.ConfidentialLink", related_name="reads", null=True, on_delete=fields.CASCADE
    )
    address = fields.CharField(max_length=320)
    session_id = fields.IntField(null=True)  # the member's session the body is shown to
    view_hash = fields.CharField(max_length=64, null=True)  # external viewer's page token
    channel = fields.CharEnumField(CodeChannel, max_length=16)
    ip = fields.CharField(max_length=64, default="")
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "confidential_read"
        indexes = (("confidential_id", "member_id", "session_id"),)
