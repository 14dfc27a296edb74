"""Mail claiming a hosted domain: the enterprise setting (refuse or Spam, partner servers)
and the mark on a message delivered to Spam with a warning."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from mailcore.core.models.spoofing import SpoofAction


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0015_outbound_recalled")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SpoofMark",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "message",
                    fields.OneToOneField(
                        "qiyou.Message",
                        source_field="message_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="spoof_mark",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("domain", fields.CharField(max_length=255)),
            ],
            options={
                "table": "spoof_mark",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": "A message that came from outside claiming ``domain`` (hosted here) without passing",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SpoofSetting",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "enterprise",
                    fields.OneToOneField(
                        "qiyou.Enterprise",
                        source_field="enterprise_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="spoof_setting",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "action",
                    fields.CharEnumField(
                        default=SpoofAction.REJECT,
                        description="REJECT: reject\nSPAM: spam",
                        enum_type=SpoofAction,
                        max_length=16,
                    ),
                ),
                (
                    "partners",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "spoof_setting",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": "What the MX does with unauthenticated mail claiming one of the enterprise's domains,",
            },
            bases=["Model"],
        ),
    ]
