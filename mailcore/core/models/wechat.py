"""Mini-program models: pending WeChat bindings and accepted subscribe messages."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WechatBindTicket(Model):
    """A WeChat identity waiting for its member to confirm with a password.

    Only a hash of the ticket is stored, the openid comes from code-to-session.
    """

    id = fields.IntField(primary_key=True)
    ticket_hash = fields.CharField(max_length=64, unique=True)
    openid = fields.CharField(max_length=128)
    unionid = fields.CharField(max_length=128, null=True)
    attempts = fields.IntField(default=0)
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "wechat_bind_ticket"


class WechatSubscription(Model):
    """Subscribe messages a member accepted in the mini-program (one message per acceptance)."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="wechat_subscriptions", on_delete=fields.CASCADE
    )
    template_id = fields.CharField(max_length=128)
    credits = fields.IntField(default=0)
    sent = fields.IntField(default=0)
    last_sent_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "wechat_subscription"
        unique_together = (("member", "template_id"),)
