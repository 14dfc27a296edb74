"""The search contract: documents, queries and results, and the interface every backend keeps.

An index holds several *spaces* (mailbox entries as ``mail``, archive records as ``archive``
...), each a separate set of documents with the same shape. Every document belongs to one
``owner`` (a member for mail, an enterprise for the archive) and every query names the owner it
searches: no query can reach another owner's documents. ``labels`` carry extra keyword filters
(for example the departments of an archive record, matched against an auditor's scope).
"""

from __future__ import annotations

import base64
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum

MAIL = "mail"
ARCHIVE = "archive"
SPACES = (MAIL, ARCHIVE)

MAX_LIMIT = 200
MAX_OFFSET = 10_000
TEXT_FIELDS = ("subject", "sender", "recipients", "body", "attachments")


class Sort(StrEnum):
    NEWEST = "newest"
    RELEVANCE = "relevance"


@dataclass
class SearchDoc:
    """One searchable document (a mailbox entry, an archive record)."""

    id: int
    owner: int
    date: datetime
    subject: str = ""
    sender: str = ""  # display name and address of the sender
    recipients: str = ""  # names and addresses of To and Cc
    body: str = ""
    attachments: str = ""  # file names and the text of text-like attachments
    folder: int = 0
    unread: bool = False
    flagged: bool = False
    has_attachment: bool = False
    labels: list[str] = field(default_factory=list)


# What ``update`` may change without re-reading the document from its source.
MUTABLE_FIELDS = ("folder", "unread", "flagged", "labels")
DOC_FIELDS = tuple(f.name for f in fields(SearchDoc))


@dataclass
class SearchQuery:
    """A query within one owner's documents of one space; None filters are not applied."""

    owner: int
    text: str = ""
    folder: int | None = None
    exclude_folders: tuple[int, ...] = ()
    sender: str | None = None  # words in the sender's name or address
    recipient: str | None = None  # words in the recipients' names or addresses
    subject: str | None = None  # words in the subject
    attachment: str | None = None  # words in the attachment names (and text)
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    has_attachment: bool | None = None
    unread: bool | None = None
    flagged: bool | None = None
    labels_any: tuple[str, ...] | None = None  # at least one of these labels (empty: none match)
    sort: Sort = Sort.NEWEST
    limit: int = 20
    offset: int = 0


@dataclass
class Hit:
    id: int
    score: float
    snippet: str  # HTML: escaped text with the matches in <mark>


@dataclass
class SearchPage:
    hits: list[Hit]
    total: int  # documents matching (may be an estimate with Meilisearch above 10,000)


# Paging: a cursor is the offset of the next hit.


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"search:{offset}".encode()).decode()


def decode_offset(cursor: str | None) -> int | None:
    """The offset in a cursor (0 without one); None for a cursor that is not ours."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
        kind, _, number = text.partition(":")
        value = int(number)
    except (ValueError, UnicodeError):
        return None
    return value if kind == "search" and 0 <= value else None


class SearchUnavailable(Exception):
    """The search backend could not answer (index damaged, server unreachable)."""


class SearchBackend(ABC):
    """One search engine. Calls may block on I/O: the indexer and services await them."""

    name: str
    # One index for every node (a search server) — or, false, an index in this node's data
    # dir, which follows the search feed (``mailcore/search/indexer.py``).
    shared: bool = True

    def node_id(self) -> str:
        """Whose progress marks this index keeps: ``shared`` for a shared index, else this
        node's own id (kept beside the index, made on first use)."""
        return "shared"

    @abstractmethod
    async def open(self) -> None:
        """Create or open the index, apply its settings."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def upsert(self, space: str, docs: list[SearchDoc]) -> None:
        """Add documents, replacing any with the same id."""

    @abstractmethod
    async def update(self, space: str, changes: dict[int, dict[str, object]]) -> list[int]:
        """Change MUTABLE_FIELDS of documents by id; answer the ids the index does not hold."""

    @abstractmethod
    async def delete(self, space: str, ids: list[int]) -> None: ...

    @abstractmethod
    async def clear(self, space: str) -> None:
        """Remove every document of the space."""

    @abstractmethod
    async def search(self, space: str, query: SearchQuery) -> SearchPage: ...

    @abstractmethod
    async def count(self, space: str, query: SearchQuery) -> int: ...

    @abstractmethod
    async def was_created(self, space: str) -> bool:
        """True if this process created the space's index empty (it was missing, or of an
        older layout): the indexer then indexes everything again."""

    async def release(self) -> None:
        """The indexer went idle: let go of writers and locks (nothing to do by default)."""
        return None

    @abstractmethod
    async def ids(self, space: str, owner: int) -> set[int]:
        """Every document id of one owner (consistency checks, tests)."""
