"""The transactional outbox and the per-mailbox change log (``mailcore/core/models/outbox.py``).

Search changes waiting in ``search_pending`` move to the outbox (topic ``search.<space>``)
before that table goes. ``search_state.backfill_until`` is added with its default in the
database, so existing spaces first index whatever is above their mark, then follow the outbox.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from mailcore.core.models.outbox import ChangeKind


class StateOnlyAddField(ops.AddField):
    """The column is added by the RunSQL before it (with a default for existing rows)."""

    async def database_forward(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        return None

    async def database_backward(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        return None


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0016_spoofing")]

    initial = False

    operations = [
        ops.CreateModel(
            name="MailboxChange",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("member_id", fields.IntField()),
                ("entry_id", fields.BigIntField()),
                ("folder_id", fields.IntField(null=True)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="ADDED: added\nFLAGS: flags\nMOVED: moved\nREMOVED: removed",
                        enum_type=ChangeKind,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.BigIntField(default=0)),
            ],
            options={
                "table": "mailbox_change",
                "app": "qiyou",
                "indexes": [Index(fields=["member_id", "id"])],
                "pk_attr": "id",
                "table_description": "One change of one mailbox entry, its id orders every change of a member.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboxJob",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("topic", fields.CharField(max_length=64)),
                ("payload", fields.TextField(unique=False)),
                ("available_at", fields.BigIntField(default=0)),
                ("lease_until", fields.BigIntField(default=0)),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("created_at", fields.BigIntField(default=0)),
            ],
            options={
                "table": "outbox",
                "app": "qiyou",
                "indexes": [Index(fields=["topic", "available_at"])],
                "pk_attr": "id",
                "table_description": "One job of the outbox: its topic names the consumer, its payload is JSON.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            'ALTER TABLE "search_state" ADD COLUMN "backfill_until" BIGINT NOT NULL'
            " DEFAULT 4611686018427387904"
        ),
        StateOnlyAddField(
            model_name="SearchState",
            name="backfill_until",
            field=fields.BigIntField(default=4611686018427387904),
        ),
        ops.RunSQL(
            'INSERT INTO "outbox" (topic, payload, available_at, lease_until, attempts,'
            " last_error, created_at) SELECT 'search.' || space, '{\"ids\":[' || doc_id || ']}',"
            " 0, 0, 0, '', 0 FROM \"search_pending\" ORDER BY id"
        ),
        ops.DeleteModel(name="SearchPending"),
    ]
