"""Attaching files to events, and who may download them.

The organizer of a meeting (or the owner of a plain event, or anyone who may edit it) adds
a file: its blob is stored, a ``calendar_attachment`` row holds it (so blob GC keeps it),
and the event's data names it in an ATTACH (``files.py``). A meeting's change then goes to
the attendees as any change does (their copies, an updated REQUEST carrying the files).
A file may be downloaded, while the organizer's event still names it, by whoever may read
that event or an invited member's copy of it — not busy-only: free/busy viewers and
others' private events give nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from mailcore.calendar import events, files, ical, invitations, rows
from mailcore.calendar.access import Caller, Level, levels
from mailcore.calendar.errors import CalendarError, CalendarErrorCode, invalid, not_found
from mailcore.core.blobs import BlobStore
from mailcore.core.models import CalendarAttachment, CalendarEvent, EventPrivacy

MB = 1024 * 1024


def too_large(message: str) -> CalendarError:
    return CalendarError(CalendarErrorCode.TOO_LARGE, message, "attachments")


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    body: bytes


async def add(
    who: Caller,
    blobs: BlobStore,
    event_id: int | str,
    uploads: list[Upload],
    base_url: str,
    max_message_size: int,
) -> CalendarEvent:
    """Attach files to the event in one change (a meeting's attendees get one updated
    invitation); ``base_url``: where CalDAV clients reach this server; the limits keep the
    invitation mail within ``max_message_size``."""
    event, _ = await events.get(who, event_id, Level.EDIT)
    data = ical.read(event.ical)
    before = _check_organizer(who, data)
    if not uploads:
        raise invalid("no file", "attachments")
    present = files.attached(data)
    most, total = files.limits(max_message_size)
    if any(len(u.body) > most for u in uploads):
        raise too_large(f"a file is at most {_size(most)}")
    if len(present) + len(uploads) > files.MAX_COUNT:
        raise too_large(f"an event has at most {files.MAX_COUNT} attachments")
    if sum(a.size for a in present) + sum(len(u.body) for u in uploads) > total:
        raise too_large(f"an event's attachments are at most {_size(total)} in all")
    # written before the rows: blob GC skips a blob this young
    keys = [await blobs.put(u.body) for u in uploads]
    async with in_transaction():
        for upload, key in zip(uploads, keys, strict=True):
            row = await CalendarAttachment.create(
                event_id=event.id,
                sha256=key,
                filename=_clean_name(upload.filename),
                content_type=_clean_type(upload.content_type),
                size=len(upload.body),
            )
            files.add(data, row, base_url)
        await _store(who, event, data, before)
    return event


async def remove(who: Caller, event_id: int | str, attachment_id: int | str) -> CalendarEvent:
    """Take a file off the event (its blob goes with blob GC)."""
    event, _ = await events.get(who, event_id, Level.EDIT)
    data = ical.read(event.ical)
    before = _check_organizer(who, data)
    wanted = str(attachment_id)
    if not wanted.isdigit() or not files.remove(data, int(wanted)):
        raise not_found("attachment")
    async with in_transaction():
        await CalendarAttachment.filter(id=int(wanted), event_id=event.id).delete()
        await _store(who, event, data, before)
    return event


async def readable(who: Caller, attachment_id: int | str) -> CalendarAttachment:
    """The file, when the organizer's event still names it and the caller may read that
    event, or a copy of it in a calendar of one of its current attendees; else NOT_FOUND
    (no hint that it exists). Copies count only for attendees the organizer's event lists,
    so an event someone writes with the same UID and the file's id gives nothing."""
    wanted = str(attachment_id)
    if not wanted.isdigit() or len(wanted) > 18:
        raise not_found("attachment")
    row = await CalendarAttachment.filter(id=int(wanted)).select_related("event").first()
    if row is None:
        raise not_found("attachment")
    source = row.event
    data = ical.read(source.ical)
    if not any(a.id == row.id for a in files.attached(data)):
        raise not_found("attachment")
    invited = {p.address.lower() for p in ical.attendees_of(data)}
    holders = await CalendarEvent.filter(
        uid=source.uid, calendar__enterprise_id=who.enterprise_id
    ).select_related("calendar__owner")
    found = await levels(who, [e.calendar for e in holders])
    for event in holders:
        owner = event.calendar.owner
        if event.id != source.id and (owner is None or owner.email.lower() not in invited):
            continue  # not the organizer's event, nor an invited member's copy
        level = found.get(event.calendar.id, Level.NONE)
        if level < Level.READ:
            continue
        if (
            event.privacy is EventPrivacy.PRIVATE
            and level < Level.OWNER
            and event.created_by_id != who.member_id  # type: ignore[attr-defined]
        ):
            continue
        return row
    raise not_found("attachment")


def _check_organizer(who: Caller, data) -> list[ical.Person]:
    """The attendees before the change; only the organizer changes a meeting's files."""
    before = ical.attendees_of(data)
    organizer = ical.organizer_of(data)
    if before and organizer is not None and organizer.address != who.email:
        raise invalid("only the organizer changes a meeting's attachments", "attachments")
    return before


async def _store(who: Caller, event: CalendarEvent, data, before: list[ical.Person]) -> None:
    ical.bump(ical.master_of(data))
    if before:
        await invitations.answer_rooms(who, data)
    await rows.store(event, data)
    if before:  # a meeting: copies and the updated REQUEST with the files
        await invitations.send_changes(who, event, before, rooms_answered=True)


def _size(limit: int) -> str:
    return f"{limit / MB:.1f} MB".replace(".0 MB", " MB")


def _clean_name(filename: str) -> str:
    name = "".join(c for c in (filename or "") if c.isprintable() and c not in '/\\"')
    return name.strip()[: files.MAX_NAME] or "attachment"


def _clean_type(content_type: str) -> str:
    value = (content_type or "").strip().lower()
    kind, _, sub = value.partition("/")
    ok = kind and sub and all(c.isalnum() or c in "!#$&-^_.+" for c in kind + sub)
    return value[:100] if ok else "application/octet-stream"
