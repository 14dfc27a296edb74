"""Committing a group of ingested messages: set-based, a fixed number of statements per group.

``commit_group`` stores every message of a group in one transaction: message rows and
attachments, quota checks, threads, mailbox entries, quota usage, outbound queue rows, then
each request's ``on_commit`` callbacks. Each step is one (or a few) statements for the whole
group, whatever the number of messages and recipients, so a burst of SMTP sessions costs a
dozen round trips per commit, not ten per message.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import Case, F, When
from tortoise.transactions import in_transaction

from mailcore.db import db_text
from mailcore.mail.request import Delivery, IngestRequest, IngestResult, IngestSource, StoredEntry
from mailcore.mail.threading import ThreadRequest, assign_thread_group
from mailcore.mime.types import ParsedMessage
from mailcore.models import Attachment, Folder, MailboxEntry, Member, Message, OutboundMessage

BATCH = 500


@dataclass
class Item:
    """One message of a group: the request, its parse and its blob key."""

    request: IngestRequest
    parsed: ParsedMessage
    key: str


@dataclass
class _Copy:
    """An accepted delivery of one item, before and after its entry row exists."""

    item: int
    delivery: Delivery
    folder_id: int = 0
    thread_id: int = 0


async def commit_group(items: list[Item]) -> list[IngestResult]:
    now = datetime.now(UTC)
    async with in_transaction():
        message_ids = await _message_rows(items)
        results = [
            IngestResult(message_pk=message_ids[it.key], sha256=it.key, parsed=it.parsed)
            for it in items
        ]
        whens = [_when(it, now) for it in items]
        copies = await _within_quota(items, results)
        if copies:
            await _store_copies(items, results, copies, whens)
        await _queue_outbound(items, results, now)
        for item, result in zip(items, results, strict=True):
            for callback in item.request.on_commit:
                await callback(result)
    return results


def _when(item: Item, now: datetime) -> datetime:
    if item.request.source is IngestSource.IMPORT and item.parsed.date:
        return item.parsed.date
    return now


def _addresses(addresses: list) -> list[list[str]]:
    return [[db_text(a.name, 320), db_text(a.address, 320)] for a in addresses[:500]]


def message_row(key: str, parsed: ParsedMessage) -> Message:
    """The ``message`` row of a raw mail (not saved): metadata parsed once."""
    sender = parsed.from_
    return Message(
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


async def _message_rows(items: list[Item]) -> dict[str, int]:
    """Message id per blob key: existing rows (the same raw mail again) or new ones."""
    keys = list(dict.fromkeys(it.key for it in items))
    known: dict[str, int] = dict(await Message.filter(sha256__in=keys).values_list("sha256", "id"))
    new = {it.key: it.parsed for it in items if it.key not in known}
    if not new:
        return known
    await Message.bulk_create([message_row(k, p) for k, p in new.items()], batch_size=BATCH)
    known.update(dict(await Message.filter(sha256__in=list(new)).values_list("sha256", "id")))
    attachments = [
        Attachment(
            message_id=known[key],
            index=a.index,
            filename=db_text(a.filename, 500),
            content_type=db_text(a.content_type, 200),
            size=a.size,
            content_id=db_text(a.content_id, 500) or None,
            inline=a.inline,
        )
        for key, parsed in new.items()
        for a in parsed.attachments
    ]
    if attachments:
        await Attachment.bulk_create(attachments, batch_size=BATCH)
    return known


async def _within_quota(items: list[Item], results: list[IngestResult]) -> list[_Copy]:
    """The deliveries that fit, in group order (one copy per member and folder of a message);
    members out of room go to their result's ``over_quota``."""
    wanted = {d.member_id for it in items for d in it.request.deliveries}
    members = {m.id: m for m in await Member.filter(id__in=wanted)} if wanted else {}
    added: dict[int, int] = defaultdict(int)
    copies = []
    for index, (item, result) in enumerate(zip(items, results, strict=True)):
        unique = {(d.member_id, d.role, d.folder_id): d for d in item.request.deliveries}
        for delivery in unique.values():
            member = members.get(delivery.member_id)
            if member is None:
                continue
            size = item.parsed.size
            if delivery.enforce_quota and not member.has_room_for(added[member.id] + size):
                result.over_quota.append(member.id)
                continue
            added[member.id] += size
            copies.append(_Copy(index, delivery))
    return copies


async def _store_copies(
    items: list[Item],
    results: list[IngestResult],
    copies: list[_Copy],
    whens: list[datetime],
) -> None:
    """Folders, threads, entries and quota usage for every accepted copy of the group."""
    member_ids = list(dict.fromkeys(c.delivery.member_id for c in copies))
    roles = {c.delivery.role for c in copies}
    folders = {
        (member_id, role): folder_id
        for member_id, role, folder_id in await Folder.filter(
            member_id__in=member_ids, role__in=roles
        ).values_list("member_id", "role", "id")
    }
    for copy in copies:
        d = copy.delivery
        copy.folder_id = d.folder_id or folders[(d.member_id, d.role)]
    by_item: dict[int, list[_Copy]] = defaultdict(list)
    for copy in copies:
        by_item[copy.item].append(copy)
    threads = await assign_thread_group(
        [
            ThreadRequest([c.delivery.member_id for c in group], items[index].parsed, whens[index])
            for index, group in by_item.items()
        ]
    )
    for (_, group), found in zip(by_item.items(), threads, strict=True):
        for copy in group:
            copy.thread_id = found[copy.delivery.member_id]
    entry_ids = await _insert_entries(items, results, copies, whens)
    used: dict[int, int] = defaultdict(int)
    for copy, entry_id in zip(copies, entry_ids, strict=True):
        d = copy.delivery
        results[copy.item].entries.append(StoredEntry(d.member_id, d.role, entry_id))
        used[d.member_id] += items[copy.item].parsed.size
    await _add_used(used)


async def _add_used(used: dict[int, int]) -> None:
    """Add each member's bytes to their usage in a few statements: one per amount shared by
    several members (a mail to many), one CASE for each batch of the rest (a group of mails
    to different members)."""
    by_amount: dict[int, list[int]] = defaultdict(list)
    for member_id, amount in used.items():
        by_amount[amount].append(member_id)
    single = [(ids[0], amount) for amount, ids in by_amount.items() if len(ids) == 1]
    for amount, ids in by_amount.items():
        if len(ids) > 1:
            await Member.filter(id__in=ids).update(used_bytes=F("used_bytes") + amount)
    for start in range(0, len(single), BATCH):
        batch = single[start : start + BATCH]
        # Each branch adds to the column, so PostgreSQL types the amounts as the column's.
        whens = [When(id=m, then=F("used_bytes") + amount) for m, amount in batch]
        ids = [member_id for member_id, _ in batch]
        await Member.filter(id__in=ids).update(used_bytes=Case(*whens, default=F("used_bytes")))


async def _insert_entries(
    items: list[Item], results: list[IngestResult], copies: list[_Copy], whens: list[datetime]
) -> list[int]:
    """Insert the entries; their ids in ``copies`` order.

    Bulk inserts do not return ids: the rows are read back by what identifies a copy
    (member, message, folder, time). Rows alike in all of these are interchangeable, and the
    newest ids are taken (an older identical row can only be an earlier import of the same).
    """
    rows = []
    for copy in copies:
        d, item = copy.delivery, items[copy.item]
        rows.append(
            MailboxEntry(
                member_id=d.member_id,
                message_id=results[copy.item].message_pk,
                folder_id=copy.folder_id,
                thread_id=copy.thread_id,
                seen=d.seen,
                flagged=d.flagged,
                draft=d.draft,
                bcc_json=d.bcc,
                size=item.parsed.size,
                received_at=whens[copy.item],
            )
        )
    await MailboxEntry.bulk_create(rows, batch_size=BATCH)
    found: dict[tuple, list[int]] = defaultdict(list)
    for member_id, message_id, folder_id, when, pk in (
        await MailboxEntry.filter(
            message_id__in={r.message_id for r in rows},
            member_id__in={r.member_id for r in rows},
            received_at__in={r.received_at for r in rows},
        )
        .order_by("id")
        .values_list("member_id", "message_id", "folder_id", "received_at", "id")
    ):
        found[(member_id, message_id, folder_id, when)].append(pk)
    ids = []
    for row in rows:
        bucket = found[(row.member_id, row.message_id, row.folder_id, row.received_at)]
        ids.append(bucket.pop())
    return ids


async def _queue_outbound(items: list[Item], results: list[IngestResult], now: datetime) -> None:
    rows = []
    for item, result in zip(items, results, strict=True):
        request = item.request
        rows.extend(
            OutboundMessage(
                message_id=result.message_pk,
                sender_id=request.sender_member_id,
                envelope_from=request.envelope_from,
                recipient=rcpt,
                next_attempt_at=now,
            )
            for rcpt in request.outbound
        )
        result.queued = len(request.outbound)
    if rows:
        await OutboundMessage.bulk_create(rows, batch_size=BATCH)
