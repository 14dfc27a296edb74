"""Changing a member's mailbox: flags, moves, delete to Trash, expunge.

Each change commits with its rows in the change log (``mailbox_change``: the mailbox's
modification sequence) and the outbox jobs the registry's consumers ask for (search
updates), then is announced to the registry's live listeners (the member's other sessions).
"""

from __future__ import annotations

from tortoise.expressions import F
from tortoise.transactions import in_transaction

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
from mailcore.store import outbox
from mailcore.store.errors import MailError, MailErrorCode
from mailcore.store.folders import folder_by_role
from mailcore.store.registry import EntryChange, Registry, merged

MAX_IDS = 1000
FLAGS = ("seen", "flagged", "answered")


def _ids(ids: list[int | str]) -> list[int]:
    if not ids or len(ids) > MAX_IDS:
        raise MailError(MailErrorCode.INVALID, f"give 1 to {MAX_IDS} message ids", "ids")
    try:
        return sorted({int(i) for i in ids})
    except (TypeError, ValueError) as exc:
        raise MailError(MailErrorCode.NOT_FOUND, "no such message", "ids") from exc


async def _owned(member_id: int, ids: list[int | str]) -> list[MailboxEntry]:
    wanted = _ids(ids)
    entries = await MailboxEntry.filter(member_id=member_id, id__in=wanted)
    if len(entries) != len(wanted):
        raise MailError(MailErrorCode.NOT_FOUND, "no such message", "ids")
    return entries


class Changes:
    """The mailbox changes of the store, announced to one registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    async def set_flags(
        self, member_id: int, ids: list[int | str], origin: int | None = None, **flags: bool
    ) -> list[MailboxEntry]:
        flags = {k: v for k, v in flags.items() if k in FLAGS and v is not None}
        entries = await _owned(member_id, ids)
        change = EntryChange(member_id, ChangeKind.FLAGS, [e.id for e in entries], None, origin)
        async with in_transaction():
            await MailboxEntry.filter(id__in=change.entry_ids).update(**flags)
            await self._record(change, {e.id: e.folder_id for e in entries})
        for entry in entries:
            for name, value in flags.items():
                setattr(entry, name, value)
        await self._announce(change)
        return entries

    async def move(
        self, member_id: int, ids: list[int | str], folder: Folder, origin: int | None = None
    ) -> list[MailboxEntry]:
        entries = await _owned(member_id, ids)
        await self._move(member_id, entries, folder.id, origin)
        return entries

    async def _move(
        self, member_id: int, entries: list[MailboxEntry], folder_id: int, origin: int | None
    ) -> None:
        ids = [e.id for e in entries]
        change = EntryChange(member_id, ChangeKind.MOVED, ids, folder_id, origin)
        async with in_transaction():
            await MailboxEntry.filter(id__in=ids).update(folder_id=folder_id)
            await self._record(change, dict.fromkeys(ids, folder_id))
        for entry in entries:
            entry.folder_id = folder_id
        await self._announce(change)

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
        async with in_transaction():
            entries = await MailboxEntry.filter(member_id=member_id, id__in=ids)
            if not entries:
                return []
            freed = sum(e.size for e in entries)
            message_ids = {e.message_id for e in entries}
            await MailboxEntry.filter(id__in=[e.id for e in entries]).delete()
            await Member.filter(id=member_id).update(used_bytes=F("used_bytes") - freed)
            still_used = set(
                await MailboxEntry.filter(message_id__in=message_ids).values_list(
                    "message_id", flat=True
                )
            ) | set(
                await OutboundMessage.filter(message_id__in=message_ids).values_list(
                    "message_id", flat=True
                )
            )
            unused = message_ids - still_used
            if unused:
                # Blob files stay: another message row may share them later (docs/storage.md).
                await Message.filter(id__in=unused).delete()
            gone = [e.id for e in entries]
            change = EntryChange(member_id, ChangeKind.REMOVED, gone, None, origin, reason)
            await self._record(change, {e.id: e.folder_id for e in entries})
        await self._announce(change)
        return gone

    async def _record(self, change: EntryChange, folders: dict[int, int]) -> None:
        """The change log rows and outbox jobs of a change, in the caller's transaction."""
        at = outbox.now_ms()
        await MailboxChange.bulk_create(
            [
                MailboxChange(
                    member_id=change.member_id,
                    entry_id=entry_id,
                    folder_id=folders.get(entry_id),
                    kind=change.kind,
                    created_at=at,
                )
                for entry_id in change.entry_ids
            ]
        )
        jobs = merged(self.registry.jobs_for_change(change))
        if jobs:
            await outbox.add(jobs)

    async def _announce(self, change: EntryChange) -> None:
        if self.registry.change_jobs:
            self.registry.wake()
        for listener in self.registry.change_listeners:
            await listener(change)
