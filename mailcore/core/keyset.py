"""Keyset paging: the rows after a cursor ``(value, id)`` in ``ORDER BY field, id``."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q


def after(field: str, value: Any, pk: int, descending: bool) -> Q:
    """``field`` before/after ``value``, or equal to it with the id past ``pk``. Asked as
    ``field <= value AND (field < value OR id < pk)`` (descending), not as the OR alone: the
    first part bounds the walk of the index on ``field``, which the OR alone made SQLite read
    from its start down to the cursor (8.5 ms at the 50,000th of 100,000 rows, not 0.07)."""
    op = "lt" if descending else "gt"
    bound = Q(**{f"{field}__{op}e": value})
    return bound & (Q(**{f"{field}__{op}": value}) | Q(**{f"id__{op}": pk}))
