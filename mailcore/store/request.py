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
    """Who brought a mail to the ingest path. Policies decide by it (each keeps one set of
    the sources it applies to), never by the request's type."""

    SMTP_INBOUND = "smtp_inbound"  # from another server over MX (a DSN: ``DSN``)
    SUBMISSION = "submission"  # a member's client over the submission port
    COMPOSE = "compose"  # a member's mail written in our apps (scheduled, mass mail too)
    DRAFT = "draft"
    IMPORT = "import"  # a member's own old mail loaded from a file
    RULE = "rule"  # a forward or auto-reply made by a member's mail rules
    SYSTEM = "system"  # mail we write: notices, approval notices, verification codes
    DSN = "dsn"  # a delivery status notification: our own bounce, or one from outside
    RELEASE = "release"  # held mail an approver released to its recipients
    RESTORE = "restore"  # an archived mail an auditor puts back into a mailbox
    IMAP_APPEND = "imap_append"  # a member's client storing a mail with IMAP APPEND
    FETCH = "fetch"  # fetched from a member's external mailbox
    MIGRATION = "migration"  # moved over from another mail system


# Mail that was somebody's before it came here: it keeps its own date, and it is not new
# mail to announce (no new-mail webhook or reminder).
OLD_MAIL = frozenset(
    {
        IngestSource.IMPORT,
        IngestSource.MIGRATION,
        IngestSource.RESTORE,
        IngestSource.IMAP_APPEND,
        IngestSource.FETCH,
    }
)


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
    answered: bool = False
    deleted: bool = False  # IMAP \Deleted (an APPEND may set it)
    keywords: str = ""  # IMAP keywords, space-separated (``mailcore/store/flags.py``)


@dataclass(frozen=True)
class StoredEntry:
    member_id: int
    role: FolderRole
    entry_id: int
    folder_id: int | None = None
    uid: int = 0  # its UID in its folder (IMAP APPENDUID), also its modification sequence


@dataclass
class IngestResult:
    message_pk: int
    sha256: str
    parsed: ParsedMessage
    entries: list[StoredEntry] = field(default_factory=list)
    over_quota: list[int] = field(default_factory=list)  # member ids refused for quota
    queued: int = 0


@dataclass(frozen=True)
class Dsn:
    """What the sender asked of delivery reports (RFC 3461), kept with each outbound row:
    ``RET`` (FULL, HDRS or "") and ``ENVID`` of MAIL; ``NOTIFY`` (NEVER, or some of
    SUCCESS,FAILURE,DELAY) and ``ORCPT`` (``type;address``) of each RCPT, by lower-cased
    recipient. Values are decoded (xtext undone)."""

    ret: str = ""
    envid: str = ""
    notify: dict[str, str] = field(default_factory=dict)
    orcpt: dict[str, str] = field(default_factory=dict)


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
    dsn: Dsn | None = None  # the sender's DSN parameters for the outbound rows
    # send-as through an external server: the account whose SMTP delivers the outbound rows
    smtp_account_id: int | None = None
    sender_member_id: int | None = None
    origin_session: int | None = None
    on_commit: list[OnCommit] = field(default_factory=list)
    # ``raw`` parsed already by the caller (the MX port parses once for screening and
    # storing); None: ingest parses it.
    parsed: ParsedMessage | None = None


class PolicyRefusal(Exception):  # noqa: N818 - a refusal, not a failure
    """A policy refuses the message as a whole; ``smtp_reply`` is what SMTP callers answer."""

    def __init__(self, code: str, message: str, smtp_reply: str = "550 5.7.1 Refused by policy"):
        super().__init__(message)
        self.code = code
        self.message = message
        self.smtp_reply = smtp_reply
