"""The translation cache: a message's text translated by one model into one language."""

from tortoise import fields
from tortoise.models import Model


class MessageTranslation(Model):
    """A stored message translated by one model version into one language (cached)."""

    id = fields.IntField(primary_key=True)
    message: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Message", related_name="translations", on_delete=fields.CASCADE
    )
    target = fields.CharField(max_length=16)
    model = fields.CharField(max_length=200)
    source_language = fields.CharField(max_length=16, default="")
    subject = fields.TextField(default="")
    text = fields.TextField(default="")
    seconds = fields.FloatField(default=0)  # time the model took
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "message_translation"
        unique_together = (("message", "target", "model"),)
