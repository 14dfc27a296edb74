"""Reading a member's mailbox: folder counts, pages of messages and conversations, one message.

Every function takes the member id and only ever returns that member's rows, so asking
for someone else's message is the same as asking for one that does not exist.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.connection import get_connections
from tortoise.expressions import RawSQL, Subquery
from tortoise.functions import Count

from mailcore.confidential.access import guard as confidential_guard
from mailcore.core import keyset
from mailcore.core.blobs import BlobStore
from mailcore.core.mime.parse import get_attachment, parse_message
from mailcore.core.mime.types import ParsedAttachment, ParsedMessage
from mailcore.core.models import (
    Attachment,
    Folder,
    FolderRole,
    MailboxEntry,
    OutboundMessage,
    Thread,
)
from mailcore.store.errors import MailError, MailErrorCode

MAX_PAGE = 200
HIDDEN_FROM_CONVERSATIONS = (FolderRole.TRASH, FolderRole.SPAM)


@dataclass
class FolderCount:
    folder: Folder
    unread: int
    total: int


@dataclass
class Page:
    items: list
    has_next: bool
    end_cursor: str | None


@dataclass
class Conversation:
    thread: Thread
    entries: list[MailboxEntry] = field(default_factory=list)  # oldest first

    @property
    def unread(self) -> int:
        return sum(1 for e in self.entries if not e.seen)


def encode_cursor(when: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{when.isoformat()}|{pk}".encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        when, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(when), int(pk)
    except ValueError as exc:
        raise MailError(MailErrorCode.INVALID, "not a valid cursor", "after") from exc


def page_size(first: int | None) -> int:
    if first is None:
        return 50
    if first < 1 or first > MAX_PAGE:
        raise MailError(MailErrorCode.INVALID, f"first must be between 1 and {MAX_PAGE}", "first")
    return first


async def folder_counts(member_id: int) -> list[FolderCount]:
    folders = await Folder.filter(member_id=member_id).order_by("id")
    base = MailboxEntry.filter(member_id=member_id).group_by("folder_id")
    total = dict(await base.annotate(n=Count("id")).values_list("folder_id", "n"))
    unread = dict(
        await MailboxEntry.filter(member_id=member_id, seen=False)
        .group_by("folder_id")
        .annotate(n=Count("id"))
        .values_list("folder_id", "n")
    )
    return [FolderCount(f, unread.get(f.id, 0), total.get(f.id, 0)) for f in folders]


async def list_messages(
    member_id: int, folder: Folder, first: int | None, after: str | None
) -> Page:
    """Entries of a folder, newest first, with their message rows."""
    size = page_size(first)
    query = MailboxEntry.filter(member_id=member_id, folder_id=folder.id)
    cursor = decode_cursor(after)
    if cursor:
        when, pk = cursor
        query = query.filter(keyset.after("received_at", when, pk, descending=True))
    rows = await query.order_by("-received_at", "-id").limit(size + 1).select_related("message")
    items = rows[:size]
    end = encode_cursor(items[-1].received_at, items[-1].id) if items else None
    return Page(items=items, has_next=len(rows) > size, end_cursor=end)


async def list_conversations(
    member_id: int, folder: Folder | None, first: int | None, after: str | None
) -> Page:
    """Threads with mail in ``folder`` (or anywhere but Trash/Spam), latest activity first."""
    size = page_size(first)
    hidden = await Folder.filter(
        member_id=member_id, role__in=HIDDEN_FROM_CONVERSATIONS
    ).values_list("id", flat=True)
    query = Thread.filter(member_id=member_id)
    cursor = decode_cursor(after)
    if cursor:
        when, pk = cursor
        query = query.filter(keyset.after("last_date", when, pk, descending=True))
    query = _with_entries(query, member_id, folder, hidden)
    threads = await query.order_by("-last_date", "-id").limit(size + 1)
    page = threads[:size]
    show_hidden = folder is not None and folder.id in hidden
    entries = (
        await MailboxEntry.filter(member_id=member_id, thread_id__in=[t.id for t in page])
        .order_by("received_at", "id")
        .select_related("message")
    )
    by_thread: dict[int, Conversation] = {t.id: Conversation(t) for t in page}
    for entry in entries:
        if show_hidden or entry.folder_id not in hidden:
            by_thread[entry.thread_id].entries.append(entry)
    end = encode_cursor(page[-1].last_date, page[-1].id) if page else None
    return Page(items=list(by_thread.values()), has_next=len(threads) > size, end_cursor=end)


def _with_entries(query, member_id: int, folder: Folder | None, hidden: list[int]):
    """The threads of ``query`` with an entry in ``folder`` (or anywhere but ``hidden``).

    Both databases walk the member's threads newest first (index thread(member_id,
    last_date, id)) and look each one up in the entries' (member_id, thread_id) index until
    the page is full, each asked in the form its planner turns into that walk: SQLite a
    correlated EXISTS, PostgreSQL ``IN (subquery)`` (a semi-join; its EXISTS compared to a
    parameter hashes every entry first). The former join with every entry and DISTINCT took
    a second on a 100,000-message mailbox.
    """
    entries = MailboxEntry.filter(member_id=member_id)
    if folder is not None:
        entries = entries.filter(folder_id=folder.id)
    elif hidden:
        entries = entries.filter(folder_id__not_in=list(hidden))
    if get_connections().get("default").capabilities.dialect == "postgres":
        return query.filter(id__in=Subquery(entries.values("thread_id")))
    where = f"e.member_id = {int(member_id)} AND e.thread_id = thread.id"  # integers only
    if folder is not None:
        where += f" AND e.folder_id = {int(folder.id)}"
    elif hidden:
        where += f" AND e.folder_id NOT IN ({', '.join(str(int(h)) for h in hidden)})"
    exists = RawSQL(f"EXISTS (SELECT 1 FROM mailbox_entry e WHERE {where})")
    return query.annotate(shown=exists).filter(shown=True)


async def get_conversation(member_id: int, thread_id: int | str) -> Conversation:
    """One of a member's conversations with its messages (oldest first, Trash/Spam left out)."""
    try:
        pk = int(thread_id)
    except (TypeError, ValueError):
        pk = -1
    thread = await Thread.filter(member_id=member_id, id=pk).first()
    if thread is None:
        raise MailError(MailErrorCode.NOT_FOUND, "no such conversation", "id")
    hidden = await Folder.filter(
        member_id=member_id, role__in=HIDDEN_FROM_CONVERSATIONS
    ).values_list("id", flat=True)
    entries = (
        await MailboxEntry.filter(member_id=member_id, thread_id=pk)
        .exclude(folder_id__in=list(hidden))
        .order_by("received_at", "id")
        .select_related("message")
    )
    return Conversation(thread, list(entries))


async def get_entry(member_id: int, entry_id: int | str) -> MailboxEntry:
    try:
        pk = int(entry_id)
    except (TypeError, ValueError):
        pk = -1
    entry = await MailboxEntry.filter(member_id=member_id, id=pk).select_related("message").first()
    if entry is None:
        raise MailError(MailErrorCode.NOT_FOUND, "no such message", "id")
    return entry


async def read_message(
    blobs: BlobStore, member_id: int, entry_id: int | str
) -> tuple[MailboxEntry, ParsedMessage, list[Attachment]]:
    """A member's message with its full parse (body, HTML) and stored attachment rows."""
    entry = await get_entry(member_id, entry_id)
    await confidential_guard(entry)  # U17: a recipient's copy stays closed until verified
    raw = await blobs.get(entry.message.sha256)
    parsed = parse_message(raw)
    attachments = await Attachment.filter(message_id=entry.message_id).order_by("index")
    return entry, parsed, attachments


async def read_attachment(
    blobs: BlobStore, member_id: int, entry_id: int | str, index: int
) -> tuple[ParsedAttachment, bytes]:
    entry = await get_entry(member_id, entry_id)
    await confidential_guard(entry)  # U17: a recipient's copy stays closed until verified
    found = get_attachment(await blobs.get(entry.message.sha256), index)
    if found is None:
        raise MailError(MailErrorCode.NOT_FOUND, "no such attachment", "index")
    return found


async def raw_key(member_id: int, entry_id: int | str) -> str:
    """The blob key of a member's message as received (for streaming its raw copy)."""
    entry = await get_entry(member_id, entry_id)
    await confidential_guard(entry, raw=True)  # U17: never the raw copy to a recipient
    return entry.message.sha256


async def get_entries(member_id: int, ids: list[int]) -> list[MailboxEntry]:
    """Several of a member's entries in one query, in the order of ``ids``."""
    rows = await MailboxEntry.filter(member_id=member_id, id__in=ids).select_related("message")
    by_id = {e.id: e for e in rows}
    return [by_id[i] for i in ids if i in by_id]


async def outbound_status(member_id: int, entry: MailboxEntry) -> list[OutboundMessage]:
    """Remote delivery state of the external recipients of a message this member sent."""
    return (await outbound_status_many(member_id, [entry.message_id])).get(entry.message_id, [])


async def outbound_status_many(
    member_id: int, message_pks: list[int]
) -> dict[int, list[OutboundMessage]]:
    """``outbound_status`` of several messages in one query (message pk → rows; only those
    this member sent have any)."""
    found: dict[int, list[OutboundMessage]] = {}
    if message_pks:
        rows = OutboundMessage.filter(message_id__in=set(message_pks), sender_id=member_id)
        for row in await rows.order_by("id"):
            found.setdefault(row.message_id, []).append(row)
    return found
