"""Read receipts (MDN, RFC 8098): a member's choice, the mail that asks for one, and the
receipts a member's sent mail received (``mailcore/receipts``)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ReceiptMode(StrEnum):
    """What opening a mail that asks for a receipt does."""

    ALWAYS = "always"  # send one automatically (or ask, where RFC 8098 says not to)
    ASK = "ask"  # the client asks the member
    NEVER = "never"


class ReceiptSetting(Model):
    """The read receipt choice of a member (no row: ``ask``)."""

    id = fields.IntField(primary_key=True)
    member: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Member", related_name="receipt_setting", on_delete=fields.CASCADE
    )
    mode = fields.CharEnumField(ReceiptMode, max_length=16, default=ReceiptMode.ASK)

    class Meta:
        table = "receipt_setting"


class ReceiptRequest(Model):
    """A stored message with ``Disposition-Notification-To`` (not from a mailing list):
    where receipts go, and the envelope sender it came with (RFC 8098 2.1: a receipt is
    sent automatically only when the two agree)."""

    id = fields.IntField(primary_key=True)
    message: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Message", related_name="receipt_request", on_delete=fields.CASCADE
    )
    notify_to = fields.JSONField(default=list)
    return_path = fields.CharField(max_length=320, default="")

    class Meta:
        table = "receipt_request"


class ReadReceipt(Model):
    """A receipt that came back for a message ``member`` sent: who, what, when."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="read_receipts", on_delete=fields.CASCADE
    )
    message: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Message", related_name="read_receipts", on_delete=fields.CASCADE
    )
    recipient = fields.CharField(max_length=320)
    disposition = fields.CharField(max_length=32)  # displayed, deleted, ...
    automatic = fields.BooleanField(default=False)  # automatic-action: nobody clicked
    reported_at = fields.DatetimeField()

    class Meta:
        table = "read_receipt"
        unique_together = (("member", "message", "recipient"),)
