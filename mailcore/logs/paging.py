"""Keyset pagination for logs, newest first: opaque cursors of (time, source rank, id)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q

from mailcore.logs.errors import invalid

MAX_PAGE = 200
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class Cursor:
    when: datetime
    pk: int
    rank: int = 0  # which source a row came from, when a log merges several


@dataclass
class Page:
    items: list[Any]
    has_next: bool
    end_cursor: str | None


def encode(cursor: Cursor) -> str:
    text = json.dumps([cursor.when.isoformat(), cursor.rank, cursor.pk])
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode(text: str | None) -> Cursor | None:
    if not text:
        return None
    try:
        when, rank, pk = json.loads(base64.urlsafe_b64decode(text.encode()).decode())
        return Cursor(aware(datetime.fromisoformat(when)), int(pk), int(rank))
    except (ValueError, TypeError, UnicodeError) as exc:
        raise invalid("not a valid cursor", "after") from exc


def size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 1 or first > MAX_PAGE:
        raise invalid(f"first must be between 1 and {MAX_PAGE}", "first")
    return first


def aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def before(cursor: Cursor | None, time_field: str, rank: int = 0) -> Q:
    """Rows after ``cursor`` in newest-first order, for a source of the given rank."""
    if cursor is None:
        return Q()
    if rank < cursor.rank:
        return Q(**{f"{time_field}__lte": cursor.when})
    if rank > cursor.rank:
        return Q(**{f"{time_field}__lt": cursor.when})
    return Q(**{f"{time_field}__lt": cursor.when}) | Q(
        **{time_field: cursor.when, "id__lt": cursor.pk}
    )


def between(since: datetime | None, until: datetime | None, time_field: str) -> Q:
    if since and until and aware(until) < aware(since):
        raise invalid("until is before since", "until")
    where = Q()
    if since:
        where &= Q(**{f"{time_field}__gte": aware(since)})
    if until:
        where &= Q(**{f"{time_field}__lt": aware(until)})
    return where


def page(rows: list[Any], limit: int, key: Any) -> Page:
    """The first ``limit`` of ``limit + 1`` fetched rows; ``key(row)`` gives its Cursor."""
    items = rows[:limit]
    end = encode(key(items[-1])) if items else None
    return Page(items=items, has_next=len(rows) > limit, end_cursor=end)
