"""Changing a member's mailbox: flags, moves, delete to Trash, expunge; each change is
published so the member's other sessions update live."""

from __future__ import annotations

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mailcore import search
from mailcore.core import events
from mailcore.core.models import Folder, FolderRole, MailboxEntry, Member, Message, OutboundMessage
from mailcore.store.errors import MailError, MailErrorCode
from mailcore.store.folders import folder_by_role

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


async def set_flags(
    member_id: int, ids: list[int | str], origin: int | None = None, **flags: bool
) -> list[MailboxEntry]:
    flags = {k: v for k, v in flags.items() if k in FLAGS and v is not None}
    entries = await _owned(member_id, ids)
    await MailboxEntry.filter(id__in=[e.id for e in entries]).update(**flags)
    for entry in entries:
        for name, value in flags.items():
            setattr(entry, name, value)
    await _publish(member_id, "flags", entries, origin)
    return entries


async def move(
    member_id: int, ids: list[int | str], folder: Folder, origin: int | None = None
) -> list[MailboxEntry]:
    entries = await _owned(member_id, ids)
    await MailboxEntry.filter(id__in=[e.id for e in entries]).update(folder_id=folder.id)
    for entry in entries:
        entry.folder_id = folder.id
    await _publish(member_id, "moved", entries, origin)
    return entries


async def delete(
    member_id: int, ids: list[int | str], origin: int | None = None
) -> tuple[list[MailboxEntry], list[int]]:
    """Move to Trash; what is already in Trash (or Drafts) is expunged for good."""
    entries = await _owned(member_id, ids)
    trash = await folder_by_role(member_id, FolderRole.TRASH)
    drafts = await folder_by_role(member_id, FolderRole.DRAFTS)
    final = [e for e in entries if e.folder_id in (trash.id, drafts.id)]
    to_trash = [e for e in entries if e not in final]
    if to_trash:
        await MailboxEntry.filter(id__in=[e.id for e in to_trash]).update(folder_id=trash.id)
        for entry in to_trash:
            entry.folder_id = trash.id
        await _publish(member_id, "moved", to_trash, origin)
    expunged = await expunge(member_id, [e.id for e in final], origin) if final else []
    return to_trash, expunged


async def expunge(
    member_id: int, ids: list[int], origin: int | None = None, change: str = "removed"
) -> list[int]:
    """Remove entries for good, give their bytes back to the quota, drop unused messages.

    ``change`` names the removal in the published event ("recalled" for a recall)."""
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
            # Blob files stay: another message row may share them later; see docs/storage.md.
            await Message.filter(id__in=unused).delete()
    gone = [e.id for e in entries]
    await search.entries_changed(gone)  # every removal (delete, expunge, recall) leaves the index
    await events.publish(
        member_id,
        events.MAILBOX_CHANGED,
        change=change,
        ids=[str(i) for i in gone],
        origin=origin,
    )
    return gone


async def _publish(
    member_id: int, change: str, entries: list[MailboxEntry], origin: int | None
) -> None:
    await search.entries_changed([e.id for e in entries])  # flags and folder in the index
    await events.publish(
        member_id,
        events.MAILBOX_CHANGED,
        change=change,
        ids=[str(e.id) for e in entries],
        folder=str(entries[0].folder_id) if change == "moved" else None,
        origin=origin,
    )
