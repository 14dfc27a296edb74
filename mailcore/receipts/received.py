"""Receipts that come back: recognised as a mail is stored (an outbox job committed with it,
``mdn_jobs``), read and recorded by the outbox worker (``Recorder``) on the sent mail they
report on.

A receipt is matched by its ``Original-Message-ID`` to a mail the member it was delivered
to sent (a copy in their Sent folder, or From one of their addresses; for a separate copy
of mass mail, the job's Sent copy): nobody can put a receipt on somebody else's mail, and
only who knows the (random) Message-ID can make one.
The receipt mail itself stays in the Inbox as ordinary mail, as other mail systems show it;
one that cannot be read, or names no mail of theirs, is nothing more than that.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from mailcore.core.models import (
    Folder,
    FolderRole,
    MailboxEntry,
    MassMailRecipient,
    Member,
    Message,
    ReadReceipt,
    ReceiptRequest,
)
from mailcore.org.addresses import normalize_address
from mailcore.receipts import mdn
from mailcore.store.outbox import MessageJobs
from mailcore.store.registry import Job
from mailcore.store.request import OLD_MAIL, IngestRequest, IngestResult

log = logging.getLogger(__name__)

TOPIC = "receipts.arrived"
KEPT = (FolderRole.SENT, FolderRole.DRAFTS)  # copies that are not a receipt's delivery


def mdn_jobs(request: IngestRequest, result: IngestResult) -> list[Job]:
    """The job of a stored receipt (inside its commit: no I/O, a cheap look at the head)."""
    if request.source in OLD_MAIL or not mdn.is_mdn(request.raw):
        return []
    members = sorted({s.member_id for s in result.entries if s.role not in KEPT})
    if not members:
        return []
    return [Job(TOPIC, {"message": result.message_pk, "members": members})]


class Recorder(MessageJobs):
    """The outbox handler of ``TOPIC``: a repeat records nothing new (at least once)."""

    what = "read receipt"

    async def record(self, message_pk: int, member_ids: list[int]) -> int:
        """Record what the stored receipt reports; how many receipts were recorded."""
        message = await Message.filter(id=message_pk).first()
        if message is None:
            return 0  # removed since
        report = mdn.parse_mdn(await self.blobs.get(message.sha256))
        if report is None:
            return 0
        recorded = 0
        for member_id in member_ids:
            original = await _sent_by(member_id, report.original_message_id) or await _copy_of(
                member_id, report.original_message_id
            )
            if original is None:
                continue
            await _store(member_id, original, report)
            recorded += 1
        return recorded


async def _sent_by(member_id: int, message_id: str) -> int | None:
    """The member's sent message with this Message-ID (its ``message`` row id), if any."""
    member = await Member.filter(id=member_id).first()
    if member is None:
        return None
    rows = await MailboxEntry.filter(
        member_id=member_id, message__message_id=message_id
    ).values_list("message_id", "folder_id", "message__from_address")
    if not rows:
        return None
    sent = await Folder.filter(member_id=member_id, role=FolderRole.SENT).values_list(
        "id", flat=True
    )
    own = normalize_address(member.email)
    for message_pk, folder_id, from_address in rows:
        if folder_id in sent or normalize_address(from_address or "") == own:
            return message_pk
    return None


async def _copy_of(member_id: int, message_id: str) -> int | None:
    """For a separate copy (mass mail) the member sent with this Message-ID: the message
    of the job's Sent entry, where its receipts are shown."""
    copies = await Message.filter(message_id=message_id).values_list("id", flat=True)
    if not copies:
        return None
    row = (
        await MassMailRecipient.filter(message_pk__in=copies, job__member_id=member_id)
        .first()
        .values_list("job__sent_entry_id", flat=True)
    )
    if row is None:
        return None
    return (
        await MailboxEntry.filter(id=row, member_id=member_id)
        .first()
        .values_list("message_id", flat=True)
    )


async def _store(member_id: int, message_pk: int, report: mdn.Report) -> None:
    key = {"member_id": member_id, "message_id": message_pk, "recipient": report.recipient.lower()}
    values = {"disposition": report.disposition, "automatic": report.automatic}
    known = await ReadReceipt.filter(**key).first()
    if known is not None:
        if known.disposition != report.disposition:  # displayed, then deleted: the latest
            await ReadReceipt.filter(id=known.id).update(**values, reported_at=datetime.now(UTC))
        return
    try:
        await ReadReceipt.create(**key, **values, reported_at=datetime.now(UTC))
    except IntegrityError:  # recorded by another worker meanwhile
        pass


async def requested(entry: MailboxEntry) -> bool:
    """The entry's mail asks for a read receipt (its sender's copy and drafts too)."""
    return entry.message_id in await requested_many([entry.message_id])


async def requested_many(message_pks: list[int]) -> set[int]:
    """Of these messages, those that ask for a read receipt (one query)."""
    if not message_pks:
        return set()
    rows = ReceiptRequest.filter(message_id__in=set(message_pks))
    return set(await rows.values_list("message_id", flat=True))


async def receipts_for(member_id: int, entry: MailboxEntry) -> list[ReadReceipt]:
    """The receipts of the mail of ``entry`` that came back to ``member_id`` (its sender):
    nobody else sees them, though recipients' copies share the message."""
    return (await receipts_for_many(member_id, [entry.message_id])).get(entry.message_id, [])


async def receipts_for_many(member_id: int, message_pks: list[int]) -> dict[int, list[ReadReceipt]]:
    """``receipts_for`` of several messages in one query (message pk → receipts)."""
    found: dict[int, list[ReadReceipt]] = {}
    if message_pks:
        rows = ReadReceipt.filter(member_id=member_id, message_id__in=set(message_pks))
        for row in await rows.order_by("reported_at", "id"):
            found.setdefault(row.message_id, []).append(row)
    return found
