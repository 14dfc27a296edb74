"""External mailboxes fetched over IMAP/POP3 (issue 21, item 1): the accounts, and what was
fetched from each so nothing is fetched twice."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from mailcore.core.models.fetch import ExternalProtocol, ExternalSecurity, FetchOutcome


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0032_meeting_rooms")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ExternalAccount",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "qiyou.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="external_accounts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
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
                ("username", fields.CharField(max_length=320)),
                ("password_secret", fields.TextField(unique=False)),
                (
                    "folder",
                    fields.ForeignKeyField(
                        "qiyou.Folder",
                        source_field="folder_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="external_accounts",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("mirror_folders", fields.BooleanField(default=False)),
                ("leave_on_server", fields.BooleanField(default=True)),
                ("enabled", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "last_success_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("last_error", fields.TextField(default="", unique=False)),
                (
                    "last_error_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("failures", fields.IntField(default=0)),
                ("next_attempt_at", fields.BigIntField(default=0, db_index=True)),
                ("lease_until", fields.BigIntField(default=0)),
                ("fetched_count", fields.IntField(default=0)),
            ],
            options={
                "table": "external_account",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": (
                    "One external mailbox of a member, with its password encrypted "
                    "(mailcore/fetch/crypt.py)."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ExternalFetched",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "qiyou.ExternalAccount",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="fetched",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
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
                ("reason", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "external_fetched",
                "app": "qiyou",
                "unique_together": (("account", "folder", "key"),),
                "pk_attr": "id",
                "table_description": (
                    "A message taken (or refused) from an external account: ``folder`` is "
                    "the remote folder"
                ),
            },
            bases=["Model"],
        ),
    ]
