"""The one ingest path: every message enters storage here, whoever brings it.

parse once → store the raw blob once (content-addressed, fsynced) → in one database
transaction: message row, attachments, per-recipient mailbox entries with threads and quota
usage, outbound queue rows → publish events. Concurrent ingests are committed in groups
(one transaction, one fsync for many messages); ``ingest`` returns only after its group
committed, so an SMTP 250 sent after it never precedes durable storage.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mailcore import events
from mailcore.blobs import BlobStore
from mailcore.db import db_text
from mailcore.mail.request import (
    Delivery,
    IngestRequest,
    IngestResult,
    IngestSource,
    StoredEntry,
)
from mailcore.mail.threading import assign_threads
from mailcore.mime.parse import parse_message
from mailcore.mime.types import ParsedMessage
from mailcore.models import (
    Attachment,
    Folder,
    FolderRole,
    MailboxEntry,
    Member,
    Message,
    OutboundMessage,
)
from mailcore.openapi.webhooks import enqueue_new_mail
from mailcore.policy.pipeline import before_store

__all__ = ["Delivery", "IngestRequest", "IngestResult", "IngestSource", "Ingestor", "StoredEntry"]

log = logging.getLogger(__name__)

PARSE_IN_THREAD_ABOVE = 256 * 1024
MAX_GROUP = 64


@dataclass
class _Pending:
    request: IngestRequest
    parsed: ParsedMessage
    key: str
    future: asyncio.Future[IngestResult]


class Ingestor:
    """Runs the ingest path against one blob store, committing concurrent ingests in groups."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self._queue: asyncio.Queue[_Pending] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()

    async def ingest(self, request: IngestRequest) -> IngestResult:
        if len(request.raw) > PARSE_IN_THREAD_ABOVE:
            parsed = await asyncio.to_thread(parse_message, request.raw)
        else:
            parsed = parse_message(request.raw)
        await before_store(request, parsed)  # may reshape the request or refuse the mail
        key = await self.blobs.put(request.raw)
        future: asyncio.Future[IngestResult] = asyncio.get_running_loop().create_future()
        self._ensure_worker()
        assert self._queue is not None
        await self._queue.put(_Pending(request, parsed, key, future))
        result = await future
        # Events go out after the commit but off the caller's path: an SMTP 250 does not wait
        # for a fan-out to thousands of subscribers (or Redis round trips).
        task = asyncio.create_task(_publish_logged(request, result))
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)
        return result

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run(), name="qiyou-ingest-commit")

    async def close(self) -> None:
        if self._publishing:
            await asyncio.wait(set(self._publishing), timeout=10)
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            group = [await queue.get()]
            while not queue.empty() and len(group) < MAX_GROUP:
                group.append(queue.get_nowait())
            try:
                results = await _commit(group)
            except Exception:
                log.exception("group commit failed; committing its messages one by one")
                for item in group:
                    await _commit_alone(item)
                continue
            for item, result in zip(group, results, strict=True):
                if not item.future.done():
                    item.future.set_result(result)


async def _commit_alone(item: _Pending) -> None:
    try:
        [result] = await _commit([item])
    except Exception as exc:  # noqa: BLE001 - reported to the caller, who refuses the mail
        if not item.future.done():
            item.future.set_exception(exc)
    else:
        if not item.future.done():
            item.future.set_result(result)


async def _commit(group: list[_Pending]) -> list[IngestResult]:
    async with in_transaction():
        return [await _store(item) for item in group]


async def _store(item: _Pending) -> IngestResult:
    request, parsed = item.request, item.parsed
    message = await Message.filter(sha256=item.key).first()
    if message is None:
        message = await _create_message(item.key, parsed)
    result = IngestResult(message_pk=message.id, sha256=item.key, parsed=parsed)
    now = datetime.now(UTC)
    when = now if request.source is not IngestSource.IMPORT else (parsed.date or now)
    accepted = await _within_quota(request.deliveries, parsed.size, result)
    if accepted:
        await _store_entries(accepted, message.id, parsed, when, result)
    if request.outbound:
        await OutboundMessage.bulk_create(
            [
                OutboundMessage(
                    message_id=message.id,
                    sender_id=request.sender_member_id,
                    envelope_from=request.envelope_from,
                    recipient=rcpt,
                    next_attempt_at=now,
                )
                for rcpt in request.outbound
            ]
        )
        result.queued = len(request.outbound)
    for callback in request.on_commit:
        await callback(result)
    return result


async def _within_quota(
    deliveries: list[Delivery], size: int, result: IngestResult
) -> list[Delivery]:
    """The deliveries that fit (one copy per member and folder); the rest go to over_quota."""
    unique = list({(d.member_id, d.role): d for d in deliveries}.values())
    members = {m.id: m for m in await Member.filter(id__in={d.member_id for d in unique})}
    added: dict[int, int] = {}
    accepted = []
    for delivery in unique:
        member = members.get(delivery.member_id)
        if member is None:
            continue
        extra = added.get(member.id, 0)
        if delivery.enforce_quota and not member.has_room_for(extra + size):
            result.over_quota.append(member.id)
            continue
        added[member.id] = extra + size
        accepted.append(delivery)
    return accepted


async def _store_entries(
    accepted: list[Delivery],
    message_pk: int,
    parsed: ParsedMessage,
    when: datetime,
    result: IngestResult,
) -> None:
    """Mailbox entries, threads and quota usage for all recipients in a few statements."""
    member_ids = list(dict.fromkeys(d.member_id for d in accepted))
    folders = {
        (member_id, FolderRole(role)): folder_id
        for member_id, role, folder_id in await Folder.filter(
            member_id__in=member_ids, role__in={d.role for d in accepted}
        ).values_list("member_id", "role", "id")
    }
    threads = await assign_threads(member_ids, parsed, when)
    await MailboxEntry.bulk_create(
        [
            MailboxEntry(
                member_id=d.member_id,
                message_id=message_pk,
                folder_id=folders[(d.member_id, d.role)],
                thread_id=threads[d.member_id],
                seen=d.seen,
                draft=d.draft,
                bcc_json=d.bcc,
                size=parsed.size,
                received_at=when,
            )
            for d in accepted
        ],
        batch_size=500,
    )
    entry_ids = {
        (member_id, folder_id): pk
        for member_id, folder_id, pk in await MailboxEntry.filter(
            message_id=message_pk, member_id__in=member_ids, received_at=when
        ).values_list("member_id", "folder_id", "id")
    }
    copies: dict[int, int] = {}
    for d in accepted:
        copies[d.member_id] = copies.get(d.member_id, 0) + 1
        pk = entry_ids[(d.member_id, folders[(d.member_id, d.role)])]
        result.entries.append(StoredEntry(d.member_id, d.role, pk))
    by_count: dict[int, list[int]] = {}
    for member_id, count in copies.items():
        by_count.setdefault(count, []).append(member_id)
    for count, ids in by_count.items():
        await Member.filter(id__in=ids).update(used_bytes=F("used_bytes") + count * parsed.size)


def _addresses(addresses: list) -> list[list[str]]:
    return [[db_text(a.name, 320), db_text(a.address, 320)] for a in addresses[:500]]


async def _create_message(key: str, parsed: ParsedMessage) -> Message:
    sender = parsed.from_
    message = await Message.create(
        sha256=key,
        size=parsed.size,
        message_id=db_text(parsed.message_id, 998) or None,
        in_reply_to=db_text(parsed.in_reply_to, 998) or None,
        references=db_text(" ".join(parsed.references), 20000),
        subject=db_text(parsed.subject, 5000),
        from_name=db_text(sender.name if sender else "", 320),
        from_address=db_text(sender.address if sender else "", 320),
        to_json=_addresses(parsed.to),
        cc_json=_addresses(parsed.cc),
        date=parsed.date,
        has_attachments=parsed.has_attachments,
        preview=db_text(parsed.preview, 300),
    )
    if parsed.attachments:
        await Attachment.bulk_create(
            [
                Attachment(
                    message_id=message.id,
                    index=a.index,
                    filename=db_text(a.filename, 500),
                    content_type=db_text(a.content_type, 200),
                    size=a.size,
                    content_id=db_text(a.content_id, 500) or None,
                    inline=a.inline,
                )
                for a in parsed.attachments
            ]
        )
    return message


async def _publish_logged(request: IngestRequest, result: IngestResult) -> None:
    try:
        await _publish(request, result)
    except Exception:  # noqa: BLE001 - the mail is stored; a lost event only delays the UI
        log.exception("publishing ingest events failed")


async def _publish(request: IngestRequest, result: IngestResult) -> None:
    parsed = result.parsed
    for stored in result.entries:
        common = {"id": str(stored.entry_id), "origin": request.origin_session}
        if stored.role in (FolderRole.INBOX, FolderRole.SPAM):
            await events.publish(
                stored.member_id,
                events.NEW_MAIL,
                subject=parsed.subject,
                from_name=parsed.from_.name if parsed.from_ else "",
                from_address=parsed.from_.address if parsed.from_ else "",
                date=(parsed.date or datetime.now(UTC)).isoformat(),
                folder=stored.role.value,
                **common,
            )
        else:
            await events.publish(stored.member_id, events.MAILBOX_CHANGED, change="added", **common)
    await enqueue_new_mail(request, result)  # open API new-mail webhooks (queued, not sent)
