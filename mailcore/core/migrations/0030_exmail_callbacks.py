"""Issue 22 (open API callbacks): a newmail app's callback format (Qiyou's signed JSON or
Exmail's encrypted XML) and, for the latter, its Token and EncodingAESKey."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from mailcore.core.models.openapi import CallbackFormat


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0029_calendar_copies")]

    initial = False

    operations = [
        ops.AddField(
            model_name="OpenApp",
            name="callback_format",
            field=fields.CharEnumField(
                default=CallbackFormat.QIYOU,
                db_default="qiyou",
                description="QIYOU: qiyou\nEXMAIL: exmail",
                enum_type=CallbackFormat,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="OpenApp",
            name="callback_token",
            field=fields.CharField(default="", db_default="", max_length=32),
        ),
        ops.AddField(
            model_name="OpenApp",
            name="callback_aes_key",
            field=fields.CharField(default="", db_default="", max_length=43),
        ),
    ]
