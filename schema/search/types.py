"""Search result types: messages as in ``messages``, each with a highlighted snippet."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.mail.types import Message, PageInfo


@strawberry.enum
class SearchSort(Enum):
    NEWEST = "newest"
    RELEVANCE = "relevance"


@strawberry.type
class SearchMessage(Message):
    snippet: str = strawberry.field(
        description="Where the query matched: escaped HTML text with the matches in <mark>."
    )


@strawberry.type
class SearchEdge:
    node: SearchMessage
    cursor: str


@strawberry.type
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Messages matching (before access checks).")
