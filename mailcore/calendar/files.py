"""Event attachments as iCalendar data: the ATTACH properties naming our files, their limits,
and the form an invitation mail carries them in.

In stored data an attachment is ``ATTACH;FMTTYPE=…;FILENAME=…;SIZE=…;X-QIYOU-ATTACHMENT-ID=7:
https://host/calendar/attachments/7/name.pdf`` — a URI CalDAV clients open with the member's
credentials. An invitation mail carries each file as a MIME part with a Content-ID and the
ATTACH as ``CID:…`` (RFC 6047 2.4, as Outlook sends them), so recipients outside the company
get the files themselves; the HTML part lists them by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import icalendar

from mailcore.calendar import ical
from mailcore.core.blobs import BlobNotFound, BlobStore
from mailcore.core.mime.build import OutgoingAttachment
from mailcore.core.models import CalendarAttachment

ID_PARAM = "X-QIYOU-ATTACHMENT-ID"
PATH = "/calendar/attachments"
MAX_FILE = 10 * 1024 * 1024  # one file
MAX_TOTAL = 20 * 1024 * 1024  # every file of one event (an invitation mail carries them all)
MAX_COUNT = 10
MAX_NAME = 255
MAIL_ROOM = 256 * 1024  # the invitation's text, HTML and iCalendar parts


def limits(max_message_size: int) -> tuple[int, int]:
    """The largest file and the most all files of an event may take, so that the invitation
    mail carrying them (base64: 4/3 of their size) stays within the mail size limit."""
    fits = max(0, (max_message_size - MAIL_ROOM) * 3 // 4)
    return min(MAX_FILE, fits), min(MAX_TOTAL, fits)


@dataclass(frozen=True)
class Attached:
    """One of our files as an event's data names it."""

    id: int
    filename: str
    content_type: str
    size: int


def path_of(attachment_id: int, filename: str) -> str:
    return f"{PATH}/{attachment_id}/{quote(filename, safe='')}"


def attached(data: icalendar.Calendar) -> list[Attached]:
    """The files the event's master names (ATTACH of other clients' URIs are left out)."""
    found: list[Attached] = []
    for value in _values(ical.master_of(data)):
        raw = str(value.params.get(ID_PARAM, ""))
        if not raw.isdigit():
            continue
        size = str(value.params.get("SIZE", "0"))
        found.append(
            Attached(
                id=int(raw),
                filename=str(value.params.get("FILENAME", "attachment"))[:MAX_NAME],
                content_type=str(value.params.get("FMTTYPE", "application/octet-stream")),
                size=int(size) if size.isdigit() else 0,
            )
        )
    return found


def add(data: icalendar.Calendar, row: CalendarAttachment, base_url: str) -> None:
    """Name ``row`` in the master (``base_url``: where clients reach this server)."""
    uri = icalendar.vUri(base_url.rstrip("/") + path_of(row.id, row.filename))
    uri.params.update(
        {
            "FMTTYPE": row.content_type,
            "FILENAME": row.filename,
            "SIZE": str(row.size),
            ID_PARAM: str(row.id),
        }
    )
    ical.master_of(data).add("attach", uri)


def remove(data: icalendar.Calendar, attachment_id: int) -> bool:
    """Drop the ATTACH naming ``attachment_id``; whether there was one."""
    master = ical.master_of(data)
    values = _values(master)
    kept = [v for v in values if str(v.params.get(ID_PARAM, "")) != str(attachment_id)]
    if len(kept) == len(values):
        return False
    master.pop("ATTACH", None)
    for value in kept:
        master.add("attach", value)
    return True


async def for_mail(
    blobs: BlobStore, data: icalendar.Calendar, domain: str
) -> list[OutgoingAttachment]:
    """The files of an invitation mail, with the ATTACH of ``data`` turned into ``CID:`` of
    those parts (files removed since the job was made, or whose blob is gone, are left out)."""
    listed = attached(data)
    if not listed:
        return []
    rows = {r.id: r for r in await CalendarAttachment.filter(id__in=[a.id for a in listed])}
    master = ical.master_of(data)
    values = _values(master)
    master.pop("ATTACH", None)
    files: list[OutgoingAttachment] = []
    for value in values:
        raw = str(value.params.get(ID_PARAM, ""))
        if not raw.isdigit():
            master.add("attach", value)  # another client's link: as it is
            continue
        row = rows.get(int(raw))
        if row is None:
            continue
        try:
            body = await blobs.get(row.sha256)
        except BlobNotFound:
            continue
        cid = f"attachment-{row.id}@{domain}"
        uri = icalendar.vUri(f"CID:{cid}")
        uri.params.update(
            {"FMTTYPE": row.content_type, "FILENAME": row.filename, "SIZE": str(row.size)}
        )
        master.add("attach", uri)
        files.append(OutgoingAttachment(row.filename, row.content_type, body, cid, attached=True))
    return files


def _values(master: icalendar.Event) -> list:
    values = master.get("ATTACH", [])
    return list(values) if isinstance(values, list) else [values]
