"""Outbound copies can be RECALLED (the sender recalled them before they were handed on).

The new value fits the column (VARCHAR(16)), so only the model state changes (the field's
generated description): the database is left alone. A plain AlterField would rebuild the
whole ``outbound_message`` table on SQLite and drop its indexes on the way.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from mailcore.core.models.mail import OutboundStatus


class StateOnlyAlterField(ops.AlterField):
    async def database_forward(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        return None

    async def database_backward(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        return None


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0014_confidential")]

    initial = False

    operations = [
        StateOnlyAlterField(
            model_name="OutboundMessage",
            name="status",
            field=fields.CharEnumField(
                default=OutboundStatus.QUEUED,
                description="QUEUED: queued\nSENDING: sending\nSENT: sent\nFAILED: failed\n"
                "RECALLED: recalled",
                enum_type=OutboundStatus,
                max_length=16,
            ),
        ),
    ]
