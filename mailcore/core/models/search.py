"""Search index bookkeeping: how far each search space is indexed, and how far a backfill
goes (changes travel as outbox jobs, ``mailcore/core/models/outbox.py``)."""

from tortoise import fields
from tortoise.models import Model


class SearchState(Model):
    """Indexing progress of one search space: every source row up to indexed_upto is indexed."""

    space = fields.CharField(max_length=32, primary_key=True)
    indexed_upto = fields.BigIntField(default=0)
    # Ids above indexed_upto and up to here are still to be indexed by a backfill (a new or
    # rebuilt index); later mail reaches the index through the outbox instead.
    backfill_until = fields.BigIntField(default=2**62)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "search_state"
