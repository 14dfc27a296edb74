"""Event attachments (issue 19, item 1): files attached to calendar events, as blobs; and
the name a CalDAV client gave a calendar it made (item 2, MKCALENDAR)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0038_netdisk")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CalendarAttachment",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "qiyou.CalendarEvent",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attachments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("sha256", fields.CharField(max_length=64)),
                ("filename", fields.CharField(max_length=255)),
                ("content_type", fields.CharField(max_length=255)),
                ("size", fields.BigIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "calendar_attachment",
                "app": "qiyou",
                "indexes": [Index(fields=["event_id"]), Index(fields=["sha256"])],
                "pk_attr": "id",
                "table_description": (
                    "A file attached to an event: a blob named by an ATTACH property of the event"
                    " data"
                ),
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Calendar",
            name="dav_name",
            field=fields.CharField(default="", db_default="", max_length=64),
        ),
    ]
