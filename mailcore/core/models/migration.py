"""Mail migration (A5, 邮箱搬家): an administrator's job moving many members' mail from the
old server, one row per member with its progress, the remote folders seen, and one record per
message taken (or refused) so nothing is stored twice and a restart resumes."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from mailcore.core.models.fetch import ExternalProtocol, ExternalSecurity, FetchOutcome


class MigrationState(StrEnum):
    RUNNING = "running"  # a worker takes it (or will, once a lease frees)
    PAUSED = "paused"  # stopped by an administrator after the current message
    DONE = "done"  # every folder listed was taken (refusals are in the report)
    FAILED = "failed"  # the old server refused the login, or kept failing


class MailMigration(Model):
    """One migration of an enterprise from one old server (``imap[s]://``, ``pop3[s]://``)."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="mail_migrations", on_delete=fields.CASCADE
    )
    protocol = fields.CharEnumField(ExternalProtocol, max_length=8)
    host = fields.CharField(max_length=255)
    port = fields.IntField()
    security = fields.CharEnumField(ExternalSecurity, max_length=16)
    state = fields.CharEnumField(MigrationState, max_length=16, default=MigrationState.RUNNING)
    # An IMAP master (admin) user logging in as each member, its password encrypted (""
    # without: each member's own old password)
    master_user = fields.CharField(max_length=320, default="")
    master_secret = fields.TextField(default="")
    created_by = fields.CharField(max_length=320)  # the administrator's address, or "cli"
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)
    # Runs: 1 the first; each run of an ended migration again (the cut-over day's incremental
    # run, taking only new mail) adds one, with when it began
    runs = fields.IntField(default=1, db_default=1)
    run_started_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mail_migration"


class MigrationMember(Model):
    """One member's part of a migration: the old login (password encrypted with
    mailcore/fetch/crypt.py), the new member, and the progress. A worker holds it until
    ``lease_until`` (epoch ms); it is due at ``next_attempt_at``."""

    id = fields.IntField(primary_key=True)
    migration: fields.ForeignKeyRelation[MailMigration] = fields.ForeignKeyField(
        "qiyou.MailMigration", related_name="members", on_delete=fields.CASCADE
    )
    old_address = fields.CharField(max_length=320)
    password_secret = fields.TextField(default="")  # "" with a master user
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="migrations", on_delete=fields.CASCADE
    )
    state = fields.CharEnumField(MigrationState, max_length=16, default=MigrationState.RUNNING)
    folders_total = fields.IntField(default=0)
    folders_done = fields.IntField(default=0)
    # old folders left out at the last listing (a name not in modified UTF-7, a folder the
    # old server will not open, ids it repeats): reported on their MigrationFolder rows
    folders_failed = fields.IntField(default=0, db_default=0)
    messages_total = fields.IntField(default=0)
    messages_done = fields.IntField(default=0)  # stored, duplicate or refused
    bytes_total = fields.BigIntField(default=0)
    bytes_done = fields.BigIntField(default=0)
    stored = fields.IntField(default=0)
    refused = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    failures = fields.IntField(default=0)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    next_attempt_at = fields.BigIntField(default=0, db_index=True)
    lease_until = fields.BigIntField(default=0)

    class Meta:
        table = "migration_member"
        unique_together = (("migration", "old_address"),)


class MigrationFolder(Model):
    """A folder of the old mailbox as last listed: ``name`` as the old server names it (""
    for POP3), ``local`` the path of our folder it went to, ``total`` its messages then."""

    id = fields.IntField(primary_key=True)
    row: fields.ForeignKeyRelation[MigrationMember] = fields.ForeignKeyField(
        "qiyou.MigrationMember", related_name="folders", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=500)
    local = fields.CharField(max_length=1000, default="")
    total = fields.IntField(default=0)
    error = fields.TextField(default="")  # why the folder was skipped ("": it was not)

    class Meta:
        table = "migration_folder"
        unique_together = (("row", "name"),)


class MigrationMessage(Model):
    """A message taken (or refused) from the old mailbox, keyed like ``ExternalFetched``:
    the remote folder and ``UIDVALIDITY:UID`` (IMAP) or the UIDL (POP3)."""

    id = fields.BigIntField(primary_key=True)
    row: fields.ForeignKeyRelation[MigrationMember] = fields.ForeignKeyField(
        "qiyou.MigrationMember", related_name="messages", on_delete=fields.CASCADE
    )
    folder = fields.CharField(max_length=500)
    key = fields.CharField(max_length=200)
    outcome = fields.CharEnumField(FetchOutcome, max_length=16)
    size = fields.BigIntField(default=0)
    reason = fields.TextField(default="")

    class Meta:
        table = "migration_message"
        unique_together = (("row", "folder", "key"),)
