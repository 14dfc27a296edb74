"""Locks shared by the processes of one database (``mailcore/core/locks.py``), on the test
server's real database: a name or key held on one connection is refused on another until
it is let go (two connections of one process count as two processes here)."""

from __future__ import annotations

import uuid

HOLD = """
from mailcore.core.locks import claim_keys, singleton

name = args["name"]
async with singleton(name) as first:
    async with singleton(name) as second:
        nested = [first, second]
async with singleton(name) as again:
    after = again
async with singleton(name, dedicated=True) as own:
    async with singleton(name) as pooled:
        dedicated = [own, pooled]
async with claim_keys(name, [1, 2, 3]) as mine:
    async with claim_keys(name, [2, 3, 4]) as theirs:
        keys = [sorted(mine), sorted(theirs)]
async with claim_keys(name, [2, 3, 4]) as later:
    freed = sorted(later)
return {"nested": nested, "after": after, "dedicated": dedicated, "keys": keys, "freed": freed}
"""


async def test_a_held_name_or_key_is_refused_elsewhere_until_let_go(server):
    got = server.mailcore(HOLD, name=f"test-{uuid.uuid4().hex}")

    assert got["nested"] == [True, False]
    assert got["after"] is True, "let go at the end of the block"
    assert got["dedicated"] == [True, False], "a connection of its own holds it as well"
    if server.env.get("DATABASE_URL"):  # PostgreSQL: one lock per key
        assert got["keys"] == [[1, 2, 3], [4]]
    else:  # SQLite: the namespace as a whole
        assert got["keys"] == [[1, 2, 3], []]
    assert got["freed"] == [2, 3, 4]
