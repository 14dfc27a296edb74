"""Meeting rooms and resources (issue 19, item 3), each with a calendar of its bookings; and
calendar mail claims: a meeting mail's job is claimed before it is sent, so it goes once."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from mailcore.core.models.calendar import CalendarKind, RoomKind


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0031_calendar_reminders")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CalendarMailClaim",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("key", fields.CharField(unique=True, max_length=64)),
                ("claimed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "calendar_mail_claim",
                "app": "qiyou",
                "indexes": [Index(fields=["claimed_at"])],
                "pk_attr": "id",
                "table_description": "A meeting mail's outbox job being sent.",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="Calendar",
            name="kind",
            field=fields.CharEnumField(
                default=CalendarKind.PERSONAL,
                description="PERSONAL: personal\nCOMPANY: company\nROOM: room",
                enum_type=CalendarKind,
                max_length=16,
            ),
        ),
        ops.CreateModel(
            name="MeetingRoom",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "enterprise",
                    fields.ForeignKeyField(
                        "qiyou.Enterprise",
                        source_field="enterprise_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="meeting_rooms",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "calendar",
                    fields.OneToOneField(
                        "qiyou.Calendar",
                        source_field="calendar_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="room",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("address", fields.CharField(unique=True, max_length=320)),
                (
                    "kind",
                    fields.CharEnumField(
                        default=RoomKind.ROOM,
                        description="ROOM: room\nRESOURCE: resource",
                        enum_type=RoomKind,
                        max_length=16,
                    ),
                ),
                ("capacity", fields.IntField(default=0)),
                ("location", fields.CharField(default="", max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                ("active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "meeting_room",
                "app": "qiyou",
                "indexes": [Index(fields=["enterprise_id"])],
                "pk_attr": "id",
                "table_description": (
                    "A meeting room or resource: an address meetings invite like an attendee."
                ),
            },
            bases=["Model"],
        ),
    ]
