"""Personal mail rules: filters, the vacation auto-reply, forwarding, and pending rule sends."""

from tortoise import fields
from tortoise.models import Model


class MailFilter(Model):
    """A member filter: conditions (JSON) and actions (JSON), applied in ``position`` order."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="mail_filters", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200, default="")
    position = fields.IntField(default=0)
    enabled = fields.BooleanField(default=True)
    match_all = fields.BooleanField(default=True)  # all conditions (AND) or any (OR)
    conditions = fields.JSONField(default=list)  # [{"field", "op", "value"}]
    actions = fields.JSONField(default=dict)  # {"folder_id", "flag", "mark_read", ...}
    stop = fields.BooleanField(default=False)  # later filters do not run after a match
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mail_filter"
        indexes = (("member_id", "position"),)


class AutoReply(Model):
    """A member vacation auto-reply."""

    id = fields.IntField(primary_key=True)
    member: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Member", related_name="auto_reply", on_delete=fields.CASCADE
    )
    enabled = fields.BooleanField(default=False)
    subject = fields.CharField(max_length=500, default="")
    text = fields.TextField(default="")
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    interval_days = fields.IntField(default=4)  # once per sender per this many days
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "auto_reply"


class AutoReplySent(Model):
    """When a member auto-replied to one sender last."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="auto_replies_sent", on_delete=fields.CASCADE
    )
    address = fields.CharField(max_length=320)
    sent_at = fields.DatetimeField()

    class Meta:
        table = "auto_reply_sent"
        unique_together = (("member", "address"),)


class Forwarding(Model):
    """A member forwarding of all incoming mail."""

    id = fields.IntField(primary_key=True)
    member: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Member", related_name="forwarding", on_delete=fields.CASCADE
    )
    enabled = fields.BooleanField(default=False)
    addresses = fields.JSONField(default=list)
    keep_copy = fields.BooleanField(default=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "forwarding"


class RuleSend(Model):
    """A forward or auto-reply decided at ingest, stored with the mail, sent afterwards."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="rule_sends", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # "forward" or "autoreply"
    message_pk = fields.IntField()  # the incoming message (not a foreign key)
    addresses = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "rule_send"
