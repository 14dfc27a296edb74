"""Bad input from an old server (issue 21, item 6): how many of a member's old folders the
last listing left out (an invalid modified UTF-7 name, a folder the server will not open,
repeated ids), so a migration with one is not complete."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0039_calendar_attachments")]

    initial = False

    operations = [
        ops.AddField(
            model_name="MigrationMember",
            name="folders_failed",
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
