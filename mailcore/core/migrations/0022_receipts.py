"""Read receipts (MDN, RFC 8098) asked and received (issue 15): a member's choice, the
stored mail that asks for a receipt, and the receipts that came back for sent mail."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from mailcore.core.models.receipts import ReceiptMode


def _id() -> fields.IntField:
    return fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)


def _json() -> fields.JSONField:
    return fields.JSONField(
        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
    )


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0021_dmarc_reports")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ReceiptSetting",
            fields=[
                ("id", _id()),
                (
                    "member",
                    fields.OneToOneField(
                        "qiyou.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="receipt_setting",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "mode",
                    fields.CharEnumField(
                        default=ReceiptMode.ASK,
                        description="ALWAYS: always\nASK: ask\nNEVER: never",
                        enum_type=ReceiptMode,
                        max_length=16,
                    ),
                ),
            ],
            options={
                "table": "receipt_setting",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": "The read receipt choice of a member (no row: ``ask``).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReceiptRequest",
            fields=[
                ("id", _id()),
                (
                    "message",
                    fields.OneToOneField(
                        "qiyou.Message",
                        source_field="message_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="receipt_request",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("notify_to", _json()),
                ("return_path", fields.CharField(default="", max_length=320)),
            ],
            options={
                "table": "receipt_request",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": "A stored message with ``Disposition-Notification-To``.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReadReceipt",
            fields=[
                ("id", _id()),
                (
                    "member",
                    fields.ForeignKeyField(
                        "qiyou.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="read_receipts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "message",
                    fields.ForeignKeyField(
                        "qiyou.Message",
                        source_field="message_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="read_receipts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("recipient", fields.CharField(max_length=320)),
                ("disposition", fields.CharField(max_length=32)),
                ("automatic", fields.BooleanField(default=False)),
                ("reported_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "read_receipt",
                "app": "qiyou",
                "unique_together": (("member", "message", "recipient"),),
                "pk_attr": "id",
                "table_description": "A receipt that came back for a message ``member`` sent.",
            },
            bases=["Model"],
        ),
    ]
