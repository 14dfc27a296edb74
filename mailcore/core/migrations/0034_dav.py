"""CalDAV (issue 19, item 5): calendar snapshots named by sync tokens (RFC 6578)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0033_external_accounts")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DavSnapshot",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "calendar",
                    fields.ForeignKeyField(
                        "qiyou.Calendar",
                        source_field="calendar_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="dav_snapshots",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("version", fields.BigIntField()),
                ("digest", fields.CharField(max_length=64)),
                ("entries", fields.TextField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "dav_snapshot",
                "app": "qiyou",
                "unique_together": (("calendar", "digest"),),
                "indexes": [Index(fields=["calendar_id", "version"])],
                "pk_attr": "id",
                "table_description": (
                    "The events of a calendar (UID, etag) when a CalDAV sync token was handed out."
                ),
            },
            bases=["Model"],
        ),
    ]
