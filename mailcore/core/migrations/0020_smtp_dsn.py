"""SMTP DSN (RFC 3461): NOTIFY/RET/ENVID/ORCPT kept with outbound rows (issue 15), and the
mark of a "relayed" report owed to the sender. Columns added with their defaults in the
database, so existing rows read as "not given"."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0019_app_passwords")]

    initial = False

    operations = [
        ops.AddField(
            model_name="OutboundMessage",
            name="dsn_ret",
            field=fields.CharField(default="", db_default="", max_length=4),
        ),
        ops.AddField(
            model_name="OutboundMessage",
            name="dsn_envid",
            field=fields.CharField(default="", db_default="", max_length=100),
        ),
        ops.AddField(
            model_name="OutboundMessage",
            name="dsn_notify",
            field=fields.CharField(default="", db_default="", max_length=32),
        ),
        ops.AddField(
            model_name="OutboundMessage",
            name="dsn_orcpt",
            field=fields.CharField(default="", db_default="", max_length=500),
        ),
        ops.AddField(
            model_name="OutboundMessage",
            name="dsn_relayed",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
