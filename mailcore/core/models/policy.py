"""Mail policy models: recall settings and results, external-sending restrictions, mass mail."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class MailPolicy(Model):
    """Enterprise-wide mail policy settings (one row per enterprise, defaults when absent)."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Enterprise", related_name="mail_policy", on_delete=fields.CASCADE
    )
    recall_window_minutes = fields.IntField(default=24 * 60)
    recall_read = fields.BooleanField(default=False)  # senders may recall read copies too
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "mail_policy"


class RecallStatus(StrEnum):
    RECALLED = "recalled"
    ALREADY_READ = "already_read"
    EXTERNAL_NOT_RECALLABLE = "external_not_recallable"
    NOT_FOUND = "not_found"
    OUT_OF_SCOPE = "out_of_scope"


class Recall(Model):
    """One recall of a sent message, with the result for each recipient (JSON list)."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="recalls", on_delete=fields.CASCADE
    )
    requested_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="recalls", null=True, on_delete=fields.SET_NULL
    )
    by_admin = fields.BooleanField(default=False)
    message_pk = fields.IntField(db_index=True)  # not a foreign key: the message may go
    sent_entry_id = fields.IntField(null=True, db_index=True)
    message_id = fields.CharField(max_length=998, default="")
    subject = fields.TextField(default="")
    results = fields.JSONField(default=list)  # [{"address", "status"}]
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "recall"


class SendRestriction(Model):
    """A member or a department (with its sub-departments) that may not send outside."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="send_restrictions", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="send_restrictions", null=True, on_delete=fields.CASCADE
    )
    department: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Department", related_name="send_restrictions", null=True, on_delete=fields.CASCADE
    )
    created_by = fields.CharField(max_length=320, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "send_restriction"


class MassMailStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class MassMailJob(Model):
    """A separate-copies send: the form to build each copy from, and progress counters."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="mass_mail_jobs", on_delete=fields.CASCADE
    )
    sent_entry_id = fields.IntField(null=True, db_index=True)
    form = fields.JSONField(default=dict)  # subject, text, html, references, attachment blobs
    status = fields.CharEnumField(MassMailStatus, max_length=16, default=MassMailStatus.QUEUED)
    total = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mass_mail_job"
        indexes = (("status",),)


class CopyStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"  # stored in a local mailbox
    QUEUED = "queued"  # handed to the outbound queue
    FAILED = "failed"


class MassMailRecipient(Model):
    """One recipient of a mass mail job and what became of its copy."""

    id = fields.IntField(primary_key=True)
    job: fields.ForeignKeyRelation[MassMailJob] = fields.ForeignKeyField(
        "qiyou.MassMailJob", related_name="recipients", on_delete=fields.CASCADE
    )
    address = fields.CharField(max_length=320)
    status = fields.CharEnumField(CopyStatus, max_length=16, default=CopyStatus.PENDING)
    error = fields.TextField(default="")
    message_pk = fields.IntField(null=True)  # the copy, once stored (not a foreign key)

    class Meta:
        table = "mass_mail_recipient"
        indexes = (("job_id", "status"),)
