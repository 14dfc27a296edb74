"""Calendar mail claims (issue 19): a meeting mail's job is claimed before it is sent, so it
goes once. (The slot was named for meeting rooms; their tables will come in a later one.)"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


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
    ]
