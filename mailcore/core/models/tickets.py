"""Keys that sign download tickets (``?ticket=``), shared by every node on one database."""

from tortoise import fields
from tortoise.models import Model


class TicketKey(Model):
    """One HMAC key; the newest signs, an older one is still accepted for a short while."""

    id = fields.IntField(primary_key=True)
    secret = fields.CharField(max_length=64, description="32 random bytes, hex")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "download_ticket_key"
        table_description = "Keys that sign download tickets (the newest signs)."
