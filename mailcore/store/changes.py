"""Changing a member's mailbox: flags and keywords, moves, copies, delete to Trash,
expunge, deleting a folder.

Each change takes the member's next modification sequence values (``Member.modseq``, under
the member row's lock, so values commit in order) and commits with its rows in the change
log (``mailbox_change``) and the outbox jobs the registry's consumers ask for (search
updates), then is announced to the registry's live listeners (the member's other sessions,
IMAP IDLE). An entry arriving in a folder (moved or copied there) takes a new UID there,
equal to its new modification sequence; the change log keeps the folder and UID it left
(docs/imap.md). At most ``MAX_IDS`` entries per call: callers with more split them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mailcore.core import sqlwork
from mailcore.core.models import (
    ChangeKind,
    Folder,
    FolderRole,
    MailboxChange,
    MailboxEntry,
    Member,
    Message,
    OutboundMessage,
)
from mailcore.core.sqlwork import batches, marks, postgres_sql
from mailcore.store import flags as keywords
from mailcore.store import outbox
from mailcore.store.errors import MailError, MailErrorCode
from mailcore.store.folders import folder_by_role, folder_tree
from mailcore.store.registry import EntryChange, Registry, merged

MAX_IDS = 1000
FLAGS = ("seen", "flagged", "answered", "draft", "deleted")


def _ids(ids: list[int | str]) -> list[int]:
    if not ids or len(ids) > MAX_IDS:
        raise MailError(MailErrorCode.INVALID, f"give 1 to {MAX_IDS} message ids", "ids")
    try:
        return sorted({int(i) for i in ids})
    except (TypeError, ValueError) as exc:
        raise MailError(MailErrorCode.NOT_FOUND, "no such message", "ids") from exc


async def _owned(
    member_id: int, ids: list[int | str], connection: BaseDBAsyncClient | None = None
) -> list[MailboxEntry]:
    wanted = _ids(ids)
    query = MailboxEntry.filter(member_id=member_id, id__in=wanted)
    if connection is not None:
        query = query.using_db(connection).select_for_update()
    entries = await query
    if len(entries) != len(wanted):
        raise MailError(MailErrorCode.NOT_FOUND, "no such message", "ids")
    return entries


async def _sql(connection: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[tuple]:
    if connection.capabilities.dialect == "postgres":
        sql = postgres_sql(sql)
    return [tuple(row.values()) for row in await connection.execute_query_dict(sql, values)]


async def allocate(connection: BaseDBAsyncClient, member_id: int, count: int) -> int:
    """Take ``count`` modification sequence values of a member (in the caller's
    transaction, locking the member's row until it ends); the first of them."""
    rows = await _sql(
        connection,
        'UPDATE "member" SET "modseq" = "modseq" + CAST(? AS BIGINT) WHERE "id" = ?'
        ' RETURNING "modseq"',
        [count, member_id],
    )
    if not rows:
        raise MailError(MailErrorCode.NOT_FOUND, "no such mailbox")
    return int(rows[0][0]) - count + 1


async def _place(connection: BaseDBAsyncClient, folder_id: int, uids: dict[int, int]) -> None:
    """Entries (id → new UID) arrive in ``folder_id``: UID and modseq set, the folder's
    next UID after them."""
    pairs = list(uids.items())
    for batch in batches(pairs):
        cases = " ".join(["WHEN ? THEN CAST(? AS BIGINT)"] * len(batch))
        values = [v for pair in batch for v in pair]
        await _sql(
            connection,
            f'UPDATE "mailbox_entry" SET "folder_id" = ?, "uid" = CASE "id" {cases} END,'
            f' "modseq" = CASE "id" {cases} END WHERE "id" IN ({marks(len(batch))})',
            [folder_id, *values, *values, *(i for i, _ in batch)],
        )
    await _sql(
        connection,
        'UPDATE "folder" SET "uid_next" = CAST(? AS BIGINT) WHERE "id" = ?',
        [max(uids.values()) + 1, folder_id],
    )


@dataclass
class FlagsResult:
    """What a flag change did: ``entries`` now carry the flags (changed or already so);
    ``modified`` were left alone because their modseq is above ``unchanged_since``
    (IMAP CONDSTORE ``[MODIFIED …]``)."""

    entries: list[MailboxEntry]
    modified: list[MailboxEntry] = field(default_factory=list)


class Changes:
    """The mailbox changes of the store, announced to one registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    async def set_flags(
        self,
        member_id: int,
        ids: list[int | str],
        origin: int | None = None,
        **flags: bool | None,
    ) -> list[MailboxEntry]:
        """Set the boolean flags given (``seen``, ``flagged``, ``answered``, ``draft``,
        ``deleted``); the entries with their flags."""
        return (await self.store_flags(member_id, ids, origin, **flags)).entries

    async def store_flags(
        self,
        member_id: int,
        ids: list[int | str],
        origin: int | None = None,
        *,
        keywords_add: list[str] = (),  # type: ignore[assignment]
        keywords_remove: list[str] = (),  # type: ignore[assignment]
        keywords_set: list[str] | None = None,
        unchanged_since: int | None = None,
        **flags: bool | None,
    ) -> FlagsResult:
        """Flags and keywords of entries. Only entries whose flags really change are
        written, take one new modification sequence value and are announced; with
        ``unchanged_since`` (CONDSTORE), entries changed after it are left alone."""
        values = {k: bool(v) for k, v in flags.items() if k in FLAGS and v is not None}
        add, remove = keywords.checked(keywords_add), keywords.checked(keywords_remove)
        replace = None if keywords_set is None else keywords.checked(keywords_set)
        result = FlagsResult([])
        async with in_transaction() as connection:
            modseq = await allocate(connection, member_id, 1)
            entries = await _owned(member_id, ids, connection)
            changed: dict[str, list[MailboxEntry]] = {}  # new keywords → entries
            for entry in entries:
                if unchanged_since is not None and entry.modseq > unchanged_since:
                    result.modified.append(entry)
                    continue
                result.entries.append(entry)
                words = keywords.apply(entry.keywords, add, remove, replace)
                if words != entry.keywords or any(
                    getattr(entry, k) != v for k, v in values.items()
                ):
                    changed.setdefault(words, []).append(entry)
            touched = [e for group in changed.values() for e in group]
            if touched:
                for words, group in changed.items():
                    await (
                        MailboxEntry.filter(id__in=[e.id for e in group])
                        .using_db(connection)
                        .update(**values, keywords=words, modseq=modseq)
                    )
                    for entry in group:
                        entry.keywords = words
                change = EntryChange(
                    member_id, ChangeKind.FLAGS, [e.id for e in touched], None, origin
                )
                await self._record(
                    change,
                    {e.id: (e.folder_id, None, e.uid) for e in touched},
                    modseq,
                    connection,
                )
        for entry in touched:
            for name, value in values.items():
                setattr(entry, name, value)
            entry.modseq = modseq
        if touched:
            await self._announce(change)
        return result

    async def move(
        self, member_id: int, ids: list[int | str], folder: Folder, origin: int | None = None
    ) -> list[MailboxEntry]:
        """Move entries to ``folder`` (those already there stay as they are); each takes a
        new UID there."""
        entries = await _owned(member_id, ids)
        await self._move(member_id, entries, folder.id, origin)
        return entries

    async def _move(
        self, member_id: int, entries: list[MailboxEntry], folder_id: int, origin: int | None
    ) -> None:
        """Move ``entries`` (rows as the caller read them) to ``folder_id``. Under the member
        row's lock they are read again, so two moves of one entry at once each log the
        folder and UID the entry really left (one of them may find nothing to do)."""
        if all(e.folder_id == folder_id for e in entries):
            return
        async with in_transaction() as connection:
            first = await allocate(connection, member_id, len(entries))
            fresh = (
                await MailboxEntry.filter(member_id=member_id, id__in=[e.id for e in entries])
                .using_db(connection)
                .select_for_update()
            )
            moving = sorted(
                (e for e in fresh if e.folder_id != folder_id), key=lambda e: (e.folder_id, e.uid)
            )
            if not moving:
                return
            uids = {e.id: first + n for n, e in enumerate(moving)}
            change = EntryChange(
                member_id, ChangeKind.MOVED, [e.id for e in moving], folder_id, origin
            )
            await _place(connection, folder_id, uids)
            await self._record(
                change,
                {e.id: (folder_id, e.folder_id, e.uid) for e in moving},
                uids,
                connection,
            )
        for entry in entries:
            if entry.id in uids:
                entry.folder_id = folder_id
                entry.uid = entry.modseq = uids[entry.id]
        await self._announce(change)

    async def copy(
        self, member_id: int, ids: list[int | str], folder: Folder, origin: int | None = None
    ) -> list[tuple[int, MailboxEntry]]:
        """Copy entries into ``folder`` (IMAP COPY): new entries of the same messages, with
        their flags, counted in the quota (MailError QUOTA_EXCEEDED if they do not fit);
        (source id, new entry) pairs in the sources' UID order."""
        sources = sorted(await _owned(member_id, ids), key=lambda e: (e.folder_id, e.uid))
        size = sum(e.size for e in sources)
        async with in_transaction() as connection:
            first = await allocate(connection, member_id, len(sources))
            member = await Member.filter(id=member_id).using_db(connection).first()
            if member is None or not member.has_room_for(size):
                raise MailError(MailErrorCode.QUOTA_EXCEEDED, "the mailbox is full", "ids")
            copies = [
                MailboxEntry(
                    member_id=member_id,
                    message_id=e.message_id,
                    folder_id=folder.id,
                    thread_id=e.thread_id,
                    seen=e.seen,
                    flagged=e.flagged,
                    answered=e.answered,
                    draft=e.draft,
                    deleted=e.deleted,
                    keywords=e.keywords,
                    bcc_json=e.bcc_json,
                    size=e.size,
                    received_at=e.received_at,
                    uid=first + n,
                    modseq=first + n,
                )
                for n, e in enumerate(sources)
            ]
            ids = dict(
                await sqlwork.run(
                    sqlwork.insert(MailboxEntry, copies, returning=("uid", "id")), connection
                )
            )
            for copy in copies:  # one multi-row insert; a copy's UID says which id is its
                copy.id = ids[copy.uid]
            await (
                Member.filter(id=member_id)
                .using_db(connection)
                .update(used_bytes=F("used_bytes") + size)
            )
            await (
                Folder.filter(id=folder.id)
                .using_db(connection)
                .update(uid_next=first + len(copies))
            )
            change = EntryChange(
                member_id, ChangeKind.ADDED, [c.id for c in copies], folder.id, origin
            )
            await self._record(
                change,
                {c.id: (folder.id, None, c.uid) for c in copies},
                {c.id: c.uid for c in copies},
                connection,
            )
        await self._announce(change)
        return [(s.id, c) for s, c in zip(sources, copies, strict=True)]

    async def delete(
        self, member_id: int, ids: list[int | str], origin: int | None = None
    ) -> tuple[list[MailboxEntry], list[int]]:
        """Move to Trash; what is already in Trash (or Drafts) is expunged for good."""
        entries = await _owned(member_id, ids)
        trash = await folder_by_role(member_id, FolderRole.TRASH)
        drafts = await folder_by_role(member_id, FolderRole.DRAFTS)
        final = [e for e in entries if e.folder_id in (trash.id, drafts.id)]
        to_trash = [e for e in entries if e not in final]
        if to_trash:
            await self._move(member_id, to_trash, trash.id, origin)
        expunged = await self.expunge(member_id, [e.id for e in final], origin) if final else []
        return to_trash, expunged

    async def expunge(
        self, member_id: int, ids: list[int], origin: int | None = None, reason: str = "removed"
    ) -> list[int]:
        """Remove entries for good, give their bytes back to the quota, drop unused messages.

        ``reason`` names the removal in the live event ("recalled" for a recall)."""
        async with in_transaction() as connection:
            entries = await MailboxEntry.filter(member_id=member_id, id__in=ids).using_db(
                connection
            )
            if not entries:
                return []
            modseq = await allocate(connection, member_id, 1)
            freed = sum(e.size for e in entries)
            message_ids = {e.message_id for e in entries}
            await MailboxEntry.filter(id__in=[e.id for e in entries]).using_db(connection).delete()
            await (
                Member.filter(id=member_id)
                .using_db(connection)
                .update(used_bytes=F("used_bytes") - freed)
            )
            still_used = set(
                await MailboxEntry.filter(message_id__in=message_ids)
                .using_db(connection)
                .values_list("message_id", flat=True)
            ) | set(
                await OutboundMessage.filter(message_id__in=message_ids)
                .using_db(connection)
                .values_list("message_id", flat=True)
            )
            unused = message_ids - still_used
            if unused:
                # Blob files stay: another message row may share them later (docs/storage.md).
                await Message.filter(id__in=unused).using_db(connection).delete()
            gone = [e.id for e in entries]
            change = EntryChange(member_id, ChangeKind.REMOVED, gone, None, origin, reason)
            await self._record(
                change, {e.id: (None, e.folder_id, e.uid) for e in entries}, modseq, connection
            )
        await self._announce(change)
        return gone

    async def delete_folder(
        self, member_id: int, folder_id: int, origin: int | None = None
    ) -> list[int]:
        """Delete a custom folder and its sub-folders; their mail moves to Trash (each
        entry announced as moved). Returns the folder ids."""
        ids = await folder_tree(member_id, folder_id)
        trash = await folder_by_role(member_id, FolderRole.TRASH)
        while True:
            entries = await MailboxEntry.filter(member_id=member_id, folder_id__in=ids).limit(
                MAX_IDS
            )
            if not entries:
                break
            await self._move(member_id, entries, trash.id, origin)
        await Folder.filter(member_id=member_id, id__in=ids).delete()
        return ids

    async def _record(
        self,
        change: EntryChange,
        places: dict[int, tuple[int | None, int | None, int]],
        modseq: int | dict[int, int],
        connection: BaseDBAsyncClient,
    ) -> None:
        """The change log rows and outbox jobs of a change, in the caller's transaction.

        ``places``: entry id → (folder now, folder it left, its UID there); ``modseq``:
        the change's value, or each entry's."""
        at = outbox.now_ms()
        await MailboxChange.bulk_create(
            [
                MailboxChange(
                    member_id=change.member_id,
                    entry_id=entry_id,
                    folder_id=places[entry_id][0],
                    from_folder_id=places[entry_id][1],
                    uid=places[entry_id][2],
                    modseq=modseq if isinstance(modseq, int) else modseq[entry_id],
                    kind=change.kind,
                    created_at=at,
                )
                for entry_id in change.entry_ids
            ],
            using_db=connection,
        )
        jobs = merged(self.registry.jobs_for_change(change))
        if jobs:
            await outbox.add(jobs)

    async def _announce(self, change: EntryChange) -> None:
        if self.registry.change_jobs:
            self.registry.wake()
        for listener in self.registry.change_listeners:
            await listener(change)
