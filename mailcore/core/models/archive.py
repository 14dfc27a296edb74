"""Archive and backup models: the enterprise archive (immutable copies), auditors, backup rules.

An archive record references the raw message by its content address (``sha256``), not by the
``message`` row, which a user's expunge may delete: the blob file itself is never deleted.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ArchiveDirection(StrEnum):
    INBOUND = "inbound"  # from outside the enterprise to its members
    INTERNAL = "internal"  # between members of the enterprise
    OUTBOUND = "outbound"  # from a member to at least one address outside the enterprise


class ArchiveSettings(Model):
    """Whether an enterprise archives its mail, and for how long."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Enterprise", related_name="archive_settings", on_delete=fields.CASCADE
    )
    enabled = fields.BooleanField(default=False)
    retention_days = fields.IntField(default=3650)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "archive_settings"


class ArchiveRecord(Model):
    """One message as it passed through one enterprise: written once, never changed."""

    id = fields.BigIntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="archive_records", on_delete=fields.CASCADE
    )
    sha256 = fields.CharField(max_length=64, db_index=True)
    size = fields.IntField()
    direction = fields.CharEnumField(ArchiveDirection, max_length=16)
    envelope_from = fields.CharField(max_length=320, default="")
    from_address = fields.CharField(max_length=320, default="")
    from_name = fields.CharField(max_length=320, default="")
    recipients = fields.JSONField(default=list)  # envelope recipients, Bcc included
    recipients_text = fields.TextField(default="")  # the same, space separated, for search
    subject = fields.TextField(default="")
    message_id = fields.CharField(max_length=998, default="")
    date = fields.DatetimeField(null=True)  # the Date header
    attachment_names = fields.JSONField(default=list)
    attachments_text = fields.TextField(default="")
    body_text = fields.TextField(default="")
    archived_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "archive_record"
        indexes = (("enterprise_id", "archived_at"),)


class ArchiveParty(Model):
    """A member of the record's enterprise who sent or received the message (auditor scope)."""

    id = fields.BigIntField(primary_key=True)
    record: fields.ForeignKeyRelation[ArchiveRecord] = fields.ForeignKeyField(
        "qiyou.ArchiveRecord", related_name="parties", on_delete=fields.CASCADE
    )
    member_id = fields.IntField(db_index=True)  # no foreign key: survives the member
    address = fields.CharField(max_length=320)
    sent = fields.BooleanField(default=False)

    class Meta:
        table = "archive_party"


class Auditor(Model):
    """A member allowed to search the archive: the mail of members of some departments
    (with their sub-departments) within a date range."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="auditors", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="auditor_roles", on_delete=fields.CASCADE
    )
    department_ids = fields.JSONField(default=list)
    date_from = fields.DatetimeField(null=True)
    date_to = fields.DatetimeField(null=True)
    granted_by = fields.CharField(max_length=320, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "auditor"
        unique_together = (("enterprise", "member"),)


class BackupDirection(StrEnum):
    IN = "in"
    OUT = "out"
    BOTH = "both"


class BackupRule(Model):
    """Copy the matching mail of some members or departments to a backup account."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="backup_rules", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    enabled = fields.BooleanField(default=True)
    member_ids = fields.JSONField(default=list)
    department_ids = fields.JSONField(default=list)
    direction = fields.CharEnumField(BackupDirection, max_length=8, default=BackupDirection.BOTH)
    keywords = fields.JSONField(default=list)  # any of them in subject or body (empty: all)
    target: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="backup_targets", on_delete=fields.CASCADE
    )
    folder = fields.CharField(max_length=16, default="inbox")  # inbox or archive
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "backup_rule"


class BackupCopy(Model):
    """Whose mail a backup account's mailbox entry is a copy of."""

    id = fields.BigIntField(primary_key=True)
    entry: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.MailboxEntry", related_name="backup_origin", on_delete=fields.CASCADE
    )
    rule_id = fields.IntField()
    target_id = fields.IntField(db_index=True)
    owners = fields.JSONField(default=list)  # addresses of the members whose mail it is
    direction = fields.CharField(max_length=8)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "backup_copy"
