"""Search on several nodes (issue 16): each node's index of each space keeps its own progress
(``search_node_state``, replacing the one shared ``search_state``), and the search feed that
nodes with an index of their own follow (``search_feed``, numbered under ``search_feed_head``).
The old progress rows become the ``legacy`` node's, which the first node to start with its
existing index takes over (no reindex on upgrade)."""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0022_receipts")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SearchNodeState",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("node", fields.CharField(max_length=64)),
                ("space", fields.CharField(max_length=32)),
                ("indexed_upto", fields.BigIntField(default=0)),
                ("backfill_until", fields.BigIntField(default=2**62)),
                ("feed_seq", fields.BigIntField(default=0)),
                ("seen_at", fields.BigIntField(default=0)),
            ],
            options={
                "table": "search_node_state",
                "app": "qiyou",
                "unique_together": (("node", "space"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SearchFeed",
            fields=[
                (
                    "seq",
                    fields.BigIntField(
                        generated=False, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("space", fields.CharField(max_length=32)),
                ("payload", fields.TextField()),
                ("created_at", fields.BigIntField()),
            ],
            options={
                "table": "search_feed",
                "app": "qiyou",
                "indexes": [Index(fields=["space", "seq"])],
                "pk_attr": "seq",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SearchFeedHead",
            fields=[
                (
                    "name",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=16),
                ),
                ("seq", fields.BigIntField(default=0)),
            ],
            options={
                "table": "search_feed_head",
                "app": "qiyou",
                "pk_attr": "name",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            "INSERT INTO \"search_feed_head\" (name, seq) VALUES ('head', 0), ('pruned.mail', 0),"
            " ('pruned.archive', 0)"
        ),
        ops.RunSQL(
            'INSERT INTO "search_node_state" (node, space, indexed_upto, backfill_until,'
            " feed_seq, seen_at) SELECT 'legacy', space, indexed_upto, backfill_until, 0, 0"
            ' FROM "search_state"'
        ),
        ops.DeleteModel(name="SearchState"),
    ]
