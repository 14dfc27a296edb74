"""Outbound approval models: rules, held mail and the one-time decision links."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class RecipientScope(StrEnum):
    ANY = "any"  # every recipient
    EXTERNAL = "external"  # an address outside the enterprise
    DOMAINS = "domains"  # an address in one of the listed domains


class TimeoutAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class HeldStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalRule(Model):
    """Outbound mail matching every condition set here waits for one of the approvers."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="approval_rules", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    enabled = fields.BooleanField(default=True)
    member_ids = fields.JSONField(default=list)  # senders (with departments; both empty: all)
    department_ids = fields.JSONField(default=list)
    recipient_scope = fields.CharEnumField(RecipientScope, max_length=16)
    domains = fields.JSONField(default=list)
    keywords = fields.JSONField(default=list)  # any of them in subject or body (empty: any)
    min_size = fields.IntField(default=0)  # bytes (0: any size)
    with_attachments = fields.BooleanField(default=False)  # only mail with attachments
    approver_ids = fields.JSONField(default=list)
    timeout_seconds = fields.IntField(default=86400)
    timeout_action = fields.CharEnumField(TimeoutAction, max_length=8)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "approval_rule"


class HeldMail(Model):
    """A message held for approval: its blob, the recipients it was meant for, the outcome."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="held_mail", on_delete=fields.CASCADE
    )
    rule: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.ApprovalRule", related_name="held", null=True, on_delete=fields.SET_NULL
    )
    rule_name = fields.CharField(max_length=64, default="")
    sender: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="held_mail", on_delete=fields.CASCADE
    )
    sha256 = fields.CharField(max_length=64)
    envelope_from = fields.CharField(max_length=320)
    local_ids = fields.JSONField(default=list)  # member ids to deliver to
    local_addresses = fields.JSONField(default=list)  # their addresses, for display
    external = fields.JSONField(default=list)  # external addresses to queue
    subject = fields.TextField(default="")
    size = fields.IntField(default=0)
    approver_ids = fields.JSONField(default=list)
    status = fields.CharEnumField(HeldStatus, max_length=16, default=HeldStatus.PENDING)
    timeout_action = fields.CharEnumField(TimeoutAction, max_length=8)
    expires_at = fields.DatetimeField(db_index=True)
    notified = fields.BooleanField(default=False)
    decided_by = fields.CharField(max_length=320, default="")
    decided_at = fields.DatetimeField(null=True)
    reason = fields.TextField(default="")
    finished = fields.BooleanField(default=False)  # the decision was carried out
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "held_mail"
        indexes = (("status", "expires_at"),)


class ApprovalToken(Model):
    """A one-time link to approve or reject one held message (stored as a hash)."""

    id = fields.IntField(primary_key=True)
    held: fields.ForeignKeyRelation[HeldMail] = fields.ForeignKeyField(
        "qiyou.HeldMail", related_name="tokens", on_delete=fields.CASCADE
    )
    approver_id = fields.IntField()
    action = fields.CharField(max_length=8)  # approve or reject
    token_hash = fields.CharField(max_length=64, unique=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "approval_token"
