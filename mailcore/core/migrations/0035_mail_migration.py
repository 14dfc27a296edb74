"""Mail migration from an old server (issue 21, item 3): the jobs, one row per member, the
old folders seen, and what was taken from each so nothing is stored twice."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from mailcore.core.models.fetch import ExternalProtocol, ExternalSecurity, FetchOutcome
from mailcore.core.models.migration import MigrationState

STATES = "RUNNING: running\nPAUSED: paused\nDONE: done\nFAILED: failed"


def _pk(big: bool = False) -> fields.Field:
    kind = fields.BigIntField if big else fields.IntField
    return kind(generated=True, primary_key=True, unique=True, db_index=True)


def _fk(model: str, source: str, related: str) -> fields.Field:
    return fields.ForeignKeyField(
        model,
        source_field=source,
        db_constraint=True,
        to_field="id",
        related_name=related,
        on_delete=OnDelete.CASCADE,
    )


def _state() -> fields.Field:
    return fields.CharEnumField(
        default=MigrationState.RUNNING,
        description=STATES,
        enum_type=MigrationState,
        max_length=16,
    )


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0034_dav")]

    initial = False

    operations = [
        ops.CreateModel(
            name="MailMigration",
            fields=[
                ("id", _pk()),
                ("enterprise", _fk("qiyou.Enterprise", "enterprise_id", "mail_migrations")),
                (
                    "protocol",
                    fields.CharEnumField(
                        description="IMAP: imap\nPOP3: pop3",
                        enum_type=ExternalProtocol,
                        max_length=8,
                    ),
                ),
                ("host", fields.CharField(max_length=255)),
                ("port", fields.IntField()),
                (
                    "security",
                    fields.CharEnumField(
                        description="TLS: tls\nSTARTTLS: starttls\nNONE: none",
                        enum_type=ExternalSecurity,
                        max_length=16,
                    ),
                ),
                ("state", _state()),
                ("master_user", fields.CharField(default="", max_length=320)),
                ("master_secret", fields.TextField(default="", unique=False)),
                ("created_by", fields.CharField(max_length=320)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "mail_migration",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": (
                    "One migration of an enterprise from one old server (``imap[s]://``, "
                    "``pop3[s]://``)."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MigrationMember",
            fields=[
                ("id", _pk()),
                ("migration", _fk("qiyou.MailMigration", "migration_id", "members")),
                ("old_address", fields.CharField(max_length=320)),
                ("password_secret", fields.TextField(default="", unique=False)),
                ("member", _fk("qiyou.Member", "member_id", "migrations")),
                ("state", _state()),
                ("folders_total", fields.IntField(default=0)),
                ("folders_done", fields.IntField(default=0)),
                ("messages_total", fields.IntField(default=0)),
                ("messages_done", fields.IntField(default=0)),
                ("bytes_total", fields.BigIntField(default=0)),
                ("bytes_done", fields.BigIntField(default=0)),
                ("stored", fields.IntField(default=0)),
                ("refused", fields.IntField(default=0)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("failures", fields.IntField(default=0)),
                (
                    "started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("next_attempt_at", fields.BigIntField(default=0, db_index=True)),
                ("lease_until", fields.BigIntField(default=0)),
            ],
            options={
                "table": "migration_member",
                "app": "qiyou",
                "unique_together": (("migration", "old_address"),),
                "pk_attr": "id",
                "table_description": (
                    "One member's part of a migration: the old login (password encrypted with"
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MigrationFolder",
            fields=[
                ("id", _pk()),
                ("row", _fk("qiyou.MigrationMember", "row_id", "folders")),
                ("name", fields.CharField(max_length=500)),
                ("local", fields.CharField(default="", max_length=1000)),
                ("total", fields.IntField(default=0)),
                ("error", fields.TextField(default="", unique=False)),
            ],
            options={
                "table": "migration_folder",
                "app": "qiyou",
                "unique_together": (("row", "name"),),
                "pk_attr": "id",
                "table_description": (
                    "A folder of the old mailbox as last listed: ``name`` as the old server "
                    'names it (""'
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MigrationMessage",
            fields=[
                ("id", _pk(big=True)),
                ("row", _fk("qiyou.MigrationMember", "row_id", "messages")),
                ("folder", fields.CharField(max_length=500)),
                ("key", fields.CharField(max_length=200)),
                (
                    "outcome",
                    fields.CharEnumField(
                        description="STORED: stored\nDUPLICATE: duplicate\nREFUSED: refused",
                        enum_type=FetchOutcome,
                        max_length=16,
                    ),
                ),
                ("size", fields.BigIntField(default=0)),
                ("reason", fields.TextField(default="", unique=False)),
            ],
            options={
                "table": "migration_message",
                "app": "qiyou",
                "unique_together": (("row", "folder", "key"),),
                "pk_attr": "id",
                "table_description": (
                    "A message taken (or refused) from the old mailbox, keyed like "
                    "``ExternalFetched``:"
                ),
            },
            bases=["Model"],
        ),
    ]
