"""What the one ingest path is asked to store (``IngestRequest``) and what it reports back.

Kept apart from ``ingest`` so that policies (``mailcore/policy``) can shape a request
without importing the ingest machinery.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import FolderRole


class IngestSource(StrEnum):
    SMTP_INBOUND = "smtp_inbound"
    SUBMISSION = "submission"
    COMPOSE = "compose"
    DRAFT = "draft"
    IMPORT = "import"
    RULE = "rule"  # a forward or auto-reply made by a member's mail rules


@dataclass
class Delivery:
    """One copy for a local mailbox."""

    member_id: int
    role: FolderRole = FolderRole.INBOX
    seen: bool = False
    draft: bool = False
    enforce_quota: bool = True
    bcc: list[str] = field(default_factory=list)
    folder_id: int | None = None  # a custom folder (mail filters); None: the role's folder
    flagged: bool = False


@dataclass(frozen=True)
class StoredEntry:
    member_id: int
    role: FolderRole
    entry_id: int


@dataclass
class IngestResult:
    message_pk: int
    sha256: str
    parsed: ParsedMessage
    entries: list[StoredEntry] = field(default_factory=list)
    over_quota: list[int] = field(default_factory=list)  # member ids refused for quota
    queued: int = 0


# Runs inside the commit transaction, after the message's rows are stored: what a policy
# must record atomically with the mail (an archive copy, a delivery record).
OnCommit = Callable[[IngestResult], Awaitable[None]]


@dataclass
class IngestRequest:
    raw: bytes
    source: IngestSource
    envelope_from: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    outbound: list[str] = field(default_factory=list)
    sender_member_id: int | None = None
    origin_session: int | None = None
    on_commit: list[OnCommit] = field(default_factory=list)
    # ``raw`` parsed already by the caller (the MX port parses once for screening and
    # storing); None: ingest parses it.
    parsed: ParsedMessage | None = None
