"""Calendar reminders (issue 19, item 4): which reminders went out, so each goes once."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0030_exmail_callbacks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CalendarReminderSent",
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
                        related_name="reminders_sent",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("occurrence_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("alarm", fields.SmallIntField()),
                ("sent_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "calendar_reminder_sent",
                "app": "qiyou",
                "unique_together": (("event", "occurrence_at", "alarm"),),
                "pk_attr": "id",
                "table_description": (
                    "A reminder that went out: one row per event, occurrence and alarm."
                ),
            },
            bases=["Model"],
        ),
    ]
