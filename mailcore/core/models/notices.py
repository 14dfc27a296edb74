"""Notice models: company notices and their per-member receipts (read/unread)."""

from tortoise import fields
from tortoise.models import Model


class Notice(Model):
    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="notices", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="notices", null=True, on_delete=fields.SET_NULL
    )
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    department_ids = fields.JSONField(default=list)  # empty: the whole company
    by_mail = fields.BooleanField(default=False)
    recipients = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "notice"


class NoticeReceipt(Model):
    id = fields.BigIntField(primary_key=True)
    notice: fields.ForeignKeyRelation[Notice] = fields.ForeignKeyField(
        "qiyou.Notice", related_name="receipts", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="notice_receipts", on_delete=fields.CASCADE
    )
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notice_receipt"
        unique_together = (("notice", "member"),)
        indexes = (("member_id", "read_at"),)
