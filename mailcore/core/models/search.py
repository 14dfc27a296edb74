"""Search index bookkeeping: how far each node's index of each search space is, and the
search feed every node with an index of its own follows (changes travel as outbox jobs first,
``mailcore/core/models/outbox.py``; see ``mailcore/search/indexer.py``)."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class SearchNodeState(Model):
    """One node's index of one search space: how far a backfill got, and (an index of the
    node's own) the last search feed entry applied to it. A shared index (Meilisearch) has
    one row for all nodes, node ``shared``."""

    id = fields.IntField(primary_key=True)
    node = fields.CharField(max_length=64)
    space = fields.CharField(max_length=32)
    # Every source row up to indexed_upto is indexed; ids above it and up to backfill_until
    # are still to be indexed by a backfill (a new or rebuilt index).
    indexed_upto = fields.BigIntField(default=0)
    backfill_until = fields.BigIntField(default=2**62)
    feed_seq = fields.BigIntField(default=0)  # the last search feed entry applied
    seen_at = fields.BigIntField(default=0)  # ms: the node last followed the feed

    class Meta:
        table = "search_node_state"
        unique_together = (("node", "space"),)


class SearchFeed(Model):
    """One batch of search changes (the payload of ``search.<space>`` outbox jobs), numbered
    in commit order: ``seq`` is taken under the lock of ``SearchFeedHead``'s row in the
    transaction that inserts the entry, so entries become visible in ``seq`` order."""

    seq = fields.BigIntField(primary_key=True, generated=False)
    space = fields.CharField(max_length=32)
    payload = fields.TextField()
    created_at = fields.BigIntField()  # ms

    class Meta:
        table = "search_feed"
        indexes = [Index(fields=["space", "seq"])]


class SearchFeedHead(Model):
    """Counters of the search feed: ``head``, the last seq given, and per space
    ``pruned.<space>``, the last seq of its entries deleted (a node whose cursor is below it
    missed entries: it rebuilds)."""

    name = fields.CharField(max_length=16, primary_key=True)
    seq = fields.BigIntField(default=0)

    class Meta:
        table = "search_feed_head"
