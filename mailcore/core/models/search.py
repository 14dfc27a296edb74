"""Search index bookkeeping: how far each search space is indexed, and what awaits re-indexing."""

from tortoise import fields
from tortoise.models import Model


class SearchState(Model):
    """Indexing progress of one search space: every source row up to indexed_upto is indexed."""

    space = fields.CharField(max_length=32, primary_key=True)
    indexed_upto = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "search_state"


class SearchPending(Model):
    """A document of a search space to bring up to date from the database (or remove)."""

    id = fields.BigIntField(primary_key=True)
    space = fields.CharField(max_length=32)
    doc_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "search_pending"
        indexes = (("space", "id"),)
