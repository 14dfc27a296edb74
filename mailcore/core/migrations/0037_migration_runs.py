"""Mail migration runs (issue 21, item 4): how many times a migration ran (an ended one run
again for the cut-over day's new mail adds one) and when the last run began."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0036_send_as")]

    initial = False

    operations = [
        ops.AddField(
            model_name="MailMigration",
            name="runs",
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.AddField(
            model_name="MailMigration",
            name="run_started_at",
            field=fields.DatetimeField(null=True),
        ),
    ]
