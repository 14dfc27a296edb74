"""What an auditor does with archived mail: view it, export a selection, redeliver it.

Every action is written to the operation log. The raw message comes from the blob store by
content address, so it is there however its owners deleted their copies.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime

from mailcore.archive.auditors import AuditorView, log_action
from mailcore.archive.errors import PolicyError, PolicyErrorCode, invalid, not_found
from mailcore.archive.search import get_record, in_scope
from mailcore.core.blobs import BlobStore
from mailcore.core.mime.display import display_html, parse_blob
from mailcore.core.mime.parse import get_attachment
from mailcore.core.mime.types import ParsedAttachment, ParsedMessage
from mailcore.core.models import ArchiveRecord, DepartmentMember
from mailcore.org.service import find_member
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestSource

MAX_EXPORT = 500
_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


@dataclass
class ArchivedMail:
    record: ArchiveRecord
    parsed: ParsedMessage
    html: str | None  # sanitized


async def _record(view: AuditorView, record_id: int) -> ArchiveRecord:
    found = await get_record(view, record_id)
    if found is None:
        raise not_found("no such archived mail")
    return found


async def view_mail(blobs: BlobStore, view: AuditorView, record_id: int) -> ArchivedMail:
    record = await _record(view, record_id)
    parsed = await parse_blob(record.sha256, lambda: blobs.get(record.sha256))
    await log_action(view, "archive.view", record.subject[:300], record_id=record.id)
    html = await display_html(parsed.html, parsed.text) if parsed.html else None
    return ArchivedMail(record=record, parsed=parsed, html=html)


async def archived_attachment(
    blobs: BlobStore, view: AuditorView, record_id: int, index: int
) -> tuple[ParsedAttachment, bytes]:
    record = await _record(view, record_id)
    found = get_attachment(await blobs.get(record.sha256), index)
    if found is None:
        raise not_found("no such attachment", "index")
    await log_action(view, "archive.attachment", found[0].filename, record_id=record.id)
    return found


def mbox_entry(record: ArchiveRecord, raw: bytes) -> bytes:
    """One message in mboxrd form: a ``From `` line, LF line ends, ``From `` lines quoted."""
    sender = record.envelope_from or record.from_address or "MAILER-DAEMON"
    when = record.archived_at.astimezone(UTC).strftime("%a %b %d %H:%M:%S %Y")
    body = raw.replace(b"\r\n", b"\n")
    body = _FROM_LINE.sub(rb">\1", body)
    if not body.endswith(b"\n"):
        body += b"\n"
    return f"From {sender.replace(' ', '_')} {when}\n".encode() + body + b"\n"


async def export(
    blobs: BlobStore, view: AuditorView, record_ids: list[int], fmt: str
) -> tuple[bytes, str, str]:
    """(data, media type, file name) of the selection as ``mbox`` or ``zip`` (of .eml)."""
    if fmt not in ("mbox", "zip"):
        raise invalid("the format is mbox or zip", "format")
    wanted = sorted(set(record_ids))
    if not wanted or len(wanted) > MAX_EXPORT:
        raise invalid(f"select 1 to {MAX_EXPORT} archived mails", "ids")
    records = list(await in_scope(view).filter(id__in=wanted).order_by("id"))
    if len(records) != len(wanted):
        raise not_found("no such archived mail", "ids")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    buffer = io.BytesIO()
    if fmt == "mbox":
        for record in records:
            buffer.write(mbox_entry(record, await blobs.get(record.sha256)))
        data, media, name = buffer.getvalue(), "application/mbox", f"archive-{stamp}.mbox"
    else:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for record in records:
                archive.writestr(f"{record.id}.eml", await blobs.get(record.sha256))
        data, media, name = buffer.getvalue(), "application/zip", f"archive-{stamp}.zip"
    await log_action(view, "archive.export", fmt, record_ids=wanted, format=fmt)
    return data, media, name


async def redeliver(
    ingestor: Ingestor, blobs: BlobStore, view: AuditorView, record_id: int, to: str
) -> int:
    """Put an archived message into the Inbox of a member within the auditor's scope;
    returns the new mailbox entry id."""
    record = await _record(view, record_id)
    member = await find_member(to)
    if member is None or member.enterprise_id != view.enterprise_id:
        raise not_found(f"no member {to}", "to")
    in_departments = await DepartmentMember.filter(
        member_id=member.id, department_id__in=list(view.department_ids)
    ).exists()
    if not in_departments:
        raise PolicyError(
            PolicyErrorCode.FORBIDDEN, f"{member.email} is outside your audit scope", "to"
        )
    result = await ingestor.ingest(
        IngestRequest(
            raw=await blobs.get(record.sha256),
            source=IngestSource.RESTORE,
            envelope_from=record.envelope_from,
            deliveries=[Delivery(member_id=member.id)],
        )
    )
    if not result.entries:
        raise PolicyError(PolicyErrorCode.CONFLICT, f"the mailbox of {member.email} is full", "to")
    await log_action(view, "archive.redeliver", member.email, record_id=record.id)
    return result.entries[0].entry_id
