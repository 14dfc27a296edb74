"""The ``mail`` search space: one document per mailbox entry, owned by its member.

Builds documents from the database and the raw message (body as text, attachment names and
the text of text-like attachments), and answers members' searches: hits come back from the
index, and each is checked against the member's mailbox in the database before it is shown,
so a stale index can hide a message for a moment but never show one that is gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from mailcore.confidential.access import confidential_by_message
from mailcore.core.blobs import BlobStore
from mailcore.core.mime.parse import get_attachments, parse_message
from mailcore.core.mime.sanitize import html_to_text
from mailcore.core.mime.types import ParsedAttachment, ParsedMessage
from mailcore.core.models import Folder, FolderRole, MailboxEntry, Message
from mailcore.search.contract import (
    MAIL,
    MAX_OFFSET,
    SearchBackend,
    SearchDoc,
    SearchQuery,
    Sort,
    decode_offset,
    encode_offset,
)
from mailcore.search.errors import SearchError, SearchErrorCode
from mailcore.search.extract import attachment_text, extractor
from mailcore.search.indexer import record_changes
from mailcore.store.errors import MailError
from mailcore.store.folders import resolve_folder

log = logging.getLogger(__name__)

MAX_BODY = 200_000  # characters of body text indexed
MAX_ATTACHMENTS_TEXT = 300_000
MAX_PAGE = 100
DEFAULT_PAGE = 20
# Messages just ingested whose parse the indexer may reuse: at most RECENT of them with
# RECENT_TEXT characters of text in all, none bigger than RECENT_ONE (a big one is read back
# from its blob).
RECENT = 2048
RECENT_TEXT = 32_000_000
RECENT_ONE = 1_000_000

# sha256 of a stored message → (what ingest parsed from those very bytes, its text's size).
_recent: OrderedDict[str, tuple[ParsedMessage, int]] = OrderedDict()
_recent_text = 0


def remember(sha256: str, parsed: ParsedMessage) -> None:
    """Ingest hands over its parse, so indexing new mail neither reads the blob back nor
    parses it again (unless an attachment's text is wanted)."""
    global _recent_text
    size = len(parsed.text or "") + len(parsed.html or "")
    if size > RECENT_ONE or sha256 in _recent:
        return
    _recent[sha256] = (parsed, size)
    _recent_text += size
    while _recent_text > RECENT_TEXT or len(_recent) > RECENT:
        _recent_text -= _recent.popitem(last=False)[1][1]


def _remembered(sha256: str) -> ParsedMessage | None:
    found = _recent.get(sha256)
    return found[0] if found else None


@dataclass
class MessageText:
    body: str
    attachments: str


def _text_wanted(info: ParsedAttachment) -> bool:
    """Whether this attachment's text is indexed (not an unnamed inline image or part)."""
    return bool(extractor(info.filename, info.content_type)) and not (
        info.inline and not info.filename
    )


def wants_raw(parsed: ParsedMessage) -> bool:
    """Whether an attachment's text is to be extracted (which needs the raw message)."""
    return any(_text_wanted(a) for a in parsed.attachments)


def message_text(raw: bytes, parsed: ParsedMessage | None = None) -> MessageText:
    """Body text (HTML turned into text) and attachment names + text. CPU-bound: run in a
    thread. ``parsed`` is ``raw`` parsed already, if at hand."""
    parsed = parsed or parse_message(raw)
    body = parsed.text or ""
    if parsed.html and len(body.strip()) < 20:
        body = html_to_text(parsed.html)
    parts: list[str] = []
    total = 0
    # every attachment with text from one parse (one parse per attachment took a mail of a
    # thousand parts half a minute, and the indexer with it)
    payloads = get_attachments(raw, (a.index for a in parsed.attachments if _text_wanted(a)))
    for info in parsed.attachments:
        if info.filename:
            parts.append(info.filename)
        found = payloads.get(info.index)
        if total < MAX_ATTACHMENTS_TEXT and found is not None:
            text = attachment_text(info.filename, info.content_type, found[1])
            if text:
                parts.append(text)
                total += len(text)
    return MessageText(body=body[:MAX_BODY], attachments="\n".join(parts)[:MAX_ATTACHMENTS_TEXT])


def _people(pairs: list) -> str:
    return "\n".join(" ".join(p for p in pair if p) for pair in pairs if pair)


def mutable_fields(entry: MailboxEntry) -> dict[str, object]:
    return {"folder": entry.folder_id, "unread": not entry.seen, "flagged": entry.flagged}


def build_doc(entry: MailboxEntry, message: Message, text: MessageText) -> SearchDoc:
    recipients = [*message.to_json, *message.cc_json, *[["", a] for a in entry.bcc_json or []]]
    return SearchDoc(
        id=entry.id,
        owner=entry.member_id,
        date=entry.received_at,
        subject=message.subject,
        sender=f"{message.from_name} {message.from_address}".strip(),
        recipients=_people(recipients),
        body=text.body,
        attachments=text.attachments,
        has_attachment=message.has_attachments,
        **mutable_fields(entry),  # type: ignore[arg-type]
    )


class MailSource:
    """Where the indexer reads ``mail`` documents from: mailbox entries and raw messages."""

    space = MAIL

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    async def ids_after(self, upto: int, limit: int) -> list[int]:
        return list(
            await MailboxEntry.filter(id__gt=upto)
            .order_by("id")
            .limit(limit)
            .values_list("id", flat=True)
        )

    async def entries(self, ids: list[int]) -> dict[int, MailboxEntry]:
        rows = await MailboxEntry.filter(id__in=ids).select_related("message")
        return {e.id: e for e in rows}

    def mutable(self, entry: MailboxEntry) -> dict[str, object]:
        return mutable_fields(entry)

    async def documents(self, entries: list[MailboxEntry]) -> tuple[list[SearchDoc], list[int]]:
        """The entries' documents, and the entries whose message cannot be read from the blob
        store now (never indexed without their text: the indexer tries them again)."""
        texts: dict[int, MessageText] = {}
        unreadable: set[int] = set()  # message ids
        docs = []
        secret = await confidential_by_message([e.message_id for e in entries])  # U17
        failed = []
        for entry in entries:
            message = entry.message
            if message.id in unreadable:
                failed.append(entry.id)
                continue
            if message.id not in texts:
                parsed = None if message.id in secret else _remembered(message.sha256)
                try:  # confidential mail (U17): no body or attachment text in the index
                    if message.id in secret or (parsed is not None and not wants_raw(parsed)):
                        raw = b""
                    else:
                        raw = await self.blobs.get(message.sha256)
                except OSError as exc:  # missing (BlobNotFound) or the store unreachable
                    log.warning("search: message %s cannot be read now: %s", message.id, exc)
                    unreadable.add(message.id)
                    failed.append(entry.id)
                    continue
                texts[message.id] = await asyncio.to_thread(message_text, raw, parsed)
            docs.append(build_doc(entry, message, texts[message.id]))
        return docs, failed


# Member searches -----------------------------------------------------------------------------


@dataclass
class MailSearch:
    """What a member asked for (GraphQL arguments, already typed)."""

    text: str = ""
    folder: str | None = None
    sender: str | None = None
    recipient: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive day
    has_attachment: bool | None = None
    unread: bool | None = None
    sort: Sort = Sort.NEWEST
    first: int | None = None
    after: str | None = None


@dataclass
class MailHit:
    entry: MailboxEntry
    snippet: str
    cursor: str


@dataclass
class MailResults:
    hits: list[MailHit]
    has_next: bool
    end_cursor: str | None
    total: int


def _day(value: date) -> datetime:
    return datetime.combine(value, time.min, tzinfo=UTC)


async def search_mail(backend: SearchBackend, member_id: int, request: MailSearch) -> MailResults:
    """A member's search in their own mailbox, newest (or best) first.

    Hits the index has wrong (gone, moved, read since) are left out and queued for re-indexing.
    """
    first = DEFAULT_PAGE if request.first is None else request.first
    limit = max(1, min(first, MAX_PAGE))  # out of range is clamped, not an error
    offset = decode_offset(request.after)
    if offset is None:
        return MailResults([], False, None, 0)
    query = SearchQuery(
        owner=member_id,
        text=request.text or "",
        sender=request.sender or None,
        recipient=request.recipient or None,
        since=_day(request.since) if request.since else None,
        until=_day(request.until) + timedelta(days=1) if request.until else None,
        has_attachment=request.has_attachment,
        unread=request.unread,
        sort=request.sort,
        limit=limit,
        offset=offset,
    )
    if request.folder:
        try:
            query.folder = (await resolve_folder(member_id, request.folder)).id
        except MailError as exc:
            raise SearchError(SearchErrorCode.NOT_FOUND, exc.message, "folder") from exc
    else:  # like the web app's "all mail": not Trash or Spam
        query.exclude_folders = tuple(
            await Folder.filter(
                member_id=member_id, role__in=[FolderRole.TRASH, FolderRole.SPAM]
            ).values_list("id", flat=True)
        )
    page = await backend.search(MAIL, query)
    rows = await MailboxEntry.filter(
        member_id=member_id, id__in=[h.id for h in page.hits]
    ).select_related("message")
    by_id = {e.id: e for e in rows}
    hits: list[MailHit] = []
    stale: list[int] = []
    for n, hit in enumerate(page.hits):
        entry = by_id.get(hit.id)
        if entry is None or not _still_matches(entry, query):
            stale.append(hit.id)
            continue
        hits.append(MailHit(entry, hit.snippet, encode_offset(offset + n + 1)))
    if stale:
        await record_changes(MAIL, stale)
    next_offset = offset + len(page.hits)
    has_next = next_offset < min(page.total, MAX_OFFSET)
    return MailResults(hits, has_next, encode_offset(next_offset), page.total)


def _still_matches(entry: MailboxEntry, query: SearchQuery) -> bool:
    if query.folder is not None and entry.folder_id != query.folder:
        return False
    if entry.folder_id in query.exclude_folders:
        return False
    return query.unread is None or query.unread == (not entry.seen)
