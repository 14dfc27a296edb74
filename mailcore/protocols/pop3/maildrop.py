"""The maildrop of a POP3 session: the member's Inbox as it was at login.

RFC 1939 sees a maildrop fixed for the session: message numbers 1..n are the Inbox
entries at login, oldest (first stored) first; a mail arriving later waits for the next
session. The unique id (UIDL) is the entry id: it never changes and is never given again
(PostgreSQL sequences, SQLite ``AUTOINCREMENT``). The store is the same as IMAP's and the
web app's, so what a session does is done through the store's ``Changes``, at QUIT only
(the UPDATE state): marked entries are expunged (quota given back, every other session
sees them go), retrieved ones are marked seen. A session that ends any other way changes
nothing. An entry removed or moved out of the Inbox elsewhere meanwhile is read as gone
(RETR answers ``-ERR``; checked for 64 messages at a time, a check holds for a second)
and left alone at QUIT.

A recipient's copy of a confidential mail (docs/confidential.md) is never handed out raw:
the session serves a stand-in with its headers and the notice text instead, as the web app
shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mailcore.confidential.access import confidential_by_message, stand_in
from mailcore.core.blobs import BlobStore
from mailcore.core.models import FolderRole, MailboxEntry, Message
from mailcore.core.sqlwork import batches
from mailcore.store.changes import MAX_IDS, Changes
from mailcore.store.folders import folder_by_role

CHECK_AHEAD = 64  # messages whose presence one query checks
FRESH = 1.0  # seconds a presence check holds


@dataclass
class Item:
    entry_id: int
    message_pk: int
    sha256: str
    size: int
    seen: bool
    standin: bytes | None = None  # a confidential copy's stand-in
    deleted: bool = False
    retrieved: bool = False

    @property
    def uid(self) -> str:
        return str(self.entry_id)


class Gone(LookupError):
    """The entry was removed (or moved out of the Inbox) since the session began."""


@dataclass
class Maildrop:
    member_id: int
    folder_id: int
    items: list[Item] = field(default_factory=list)
    _present: dict[int, float] = field(default_factory=dict)  # entry id → when seen there

    @classmethod
    async def open(cls, member_id: int) -> Maildrop:
        inbox = await folder_by_role(member_id, FolderRole.INBOX)
        rows = (
            await MailboxEntry.filter(member_id=member_id, folder_id=inbox.id)
            .order_by("id")
            .values_list("id", "message_id", "message__sha256", "size", "seen")
        )
        items = [Item(*row) for row in rows]
        if items:
            await _stand_ins(member_id, items)
        return cls(member_id, inbox.id, items)

    def visible(self) -> list[tuple[int, Item]]:
        """(message number, item) of every message not marked deleted."""
        return [(n, item) for n, item in enumerate(self.items, 1) if not item.deleted]

    def stat(self) -> tuple[int, int]:
        live = [item for item in self.items if not item.deleted]
        return len(live), sum(item.size for item in live)

    def reset(self) -> None:
        for item in self.items:
            item.deleted = False

    async def read(self, blobs: BlobStore, n: int) -> bytes:
        """Message ``n``'s bytes as stored (or its stand-in); ``Gone`` if it left the Inbox."""
        item = self.items[n - 1]
        if not await self._still_present(n):
            raise Gone(item.entry_id)
        if item.standin is not None:
            return item.standin
        try:
            return await blobs.get(item.sha256)
        except FileNotFoundError:
            raise Gone(item.entry_id) from None

    async def _still_present(self, n: int) -> bool:
        """Is message ``n`` still in the Inbox? One query answers for it and the next
        ``CHECK_AHEAD`` messages (a client retrieves them in order), valid ``FRESH`` s."""
        entry_id = self.items[n - 1].entry_id
        now = time.monotonic()
        if now - self._present.get(entry_id, -FRESH) < FRESH:
            return True
        ahead = [i.entry_id for i in self.items[n - 1 : n - 1 + CHECK_AHEAD] if not i.deleted]
        found = await MailboxEntry.filter(folder_id=self.folder_id, id__in=ahead).values_list(
            "id", flat=True
        )
        self._present.update(dict.fromkeys(found, now))
        return entry_id in found

    async def commit(self, changes: Changes) -> int:
        """The UPDATE state: expunge what is marked, mark seen what was retrieved; returns
        how many messages were removed."""
        deleted = [item.entry_id for item in self.items if item.deleted]
        seen = [i.entry_id for i in self.items if i.retrieved and not i.deleted and not i.seen]
        removed = 0
        for ids in batches(await self._still_here(deleted), MAX_IDS):
            removed += len(await changes.expunge(self.member_id, ids))
        for ids in batches(await self._still_here(seen), MAX_IDS):
            await changes.set_flags(self.member_id, ids, seen=True)
        return removed

    async def _still_here(self, ids: list[int]) -> list[int]:
        if not ids:
            return []
        found: list[int] = []
        for batch in batches(ids, MAX_IDS):
            found += await MailboxEntry.filter(
                member_id=self.member_id, folder_id=self.folder_id, id__in=batch
            ).values_list("id", flat=True)
        return sorted(found)


async def _stand_ins(member_id: int, items: list[Item]) -> None:
    """Replace the recipient copies of confidential mail by their stand-ins."""
    confidential = {}
    for pks in batches(sorted({i.message_pk for i in items}), MAX_IDS):
        confidential.update(await confidential_by_message(pks))
    locked = {pk for pk, conf in confidential.items() if conf.sender_id != member_id}
    if not locked:
        return
    messages = {m.id: m for m in await Message.filter(id__in=list(locked))}
    for item in items:
        if item.message_pk in locked:
            item.standin = stand_in(messages[item.message_pk])
            item.size = len(item.standin)
