"""Committing a group of ingested messages: set-based, a fixed number of statements per group.

``commit_group`` stores every message of a group in one transaction: message rows and
attachments, quota checks, threads, mailbox entries, quota usage, outbound queue rows, the
mailbox change log and the outbox jobs the registry's consumers ask for
(``mailcore/store/registry.py``), then each request's ``on_commit`` callbacks. Each step is
one (or a few) statements for the whole group, whatever the number of messages and
recipients. The statements are hand-written and run as one unit
(``mailcore/core/sqlwork.py``): on SQLite the whole group is stored by one call into the
database thread, so the transaction holds the connection for ~1 ms of SQLite rather than a
dozen round trips through the event loop.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mailcore.core import metrics, sqlwork
from mailcore.core.db import db_text
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import (
    Attachment,
    ChangeKind,
    MailboxChange,
    MailboxEntry,
    Member,
    Message,
    OutboundMessage,
)
from mailcore.core.sqlwork import Statement, Work, batches, marks
from mailcore.store import outbox
from mailcore.store.registry import Registry, merged
from mailcore.store.request import (
    OLD_MAIL,
    Delivery,
    Dsn,
    IngestRequest,
    IngestResult,
    StoredEntry,
)
from mailcore.store.threading import ThreadRequest, thread_group


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
    uid: int = 0  # its UID in its folder, also its modification sequence


async def commit_group(items: list[Item], registry: Registry) -> list[IngestResult]:
    started = time.perf_counter()
    results = await _commit(items, registry)
    metrics.STORE_COMMIT_SECONDS.observe(time.perf_counter() - started)
    metrics.STORE_COMMIT_MESSAGES.inc(len(items))
    return results


async def _commit(items: list[Item], registry: Registry) -> list[IngestResult]:
    now = datetime.now(UTC)
    if not any(item.request.on_commit for item in items):
        return await sqlwork.run_transaction(_store(items, now, registry))
    async with in_transaction() as connection:
        results = await sqlwork.run(_store(items, now, registry), connection)
        for item, result in zip(items, results, strict=True):
            for callback in item.request.on_commit:
                await callback(result)
    return results


def _store(items: list[Item], now: datetime, registry: Registry) -> Work[list[IngestResult]]:
    message_ids = yield from _message_rows(items)
    results = [
        IngestResult(message_pk=message_ids[it.key], sha256=it.key, parsed=it.parsed)
        for it in items
    ]
    whens = [_when(it, now) for it in items]
    copies = yield from _within_quota(items, results)
    if copies:
        yield from _store_copies(items, results, copies, whens)
    yield from _queue_outbound(items, results, now)
    yield from _record(items, results, registry)
    return results


def _record(items: list[Item], results: list[IngestResult], registry: Registry) -> Work[None]:
    """The change log rows of the new entries and the consumers' outbox jobs."""
    at = outbox.now_ms()
    changes = [
        MailboxChange(
            member_id=stored.member_id,
            entry_id=stored.entry_id,
            folder_id=stored.folder_id,
            kind=ChangeKind.ADDED,
            created_at=at,
            modseq=stored.uid,
            uid=stored.uid,
        )
        for result in results
        for stored in result.entries
    ]
    if changes:
        yield from sqlwork.insert(MailboxChange, changes)
    jobs = merged(
        [
            job
            for item, result in zip(items, results, strict=True)
            for job in registry.jobs_for(item.request, result)
        ]
    )
    if jobs:
        yield from sqlwork.insert(outbox.OutboxJob, outbox.rows(jobs, at))


def _when(item: Item, now: datetime) -> datetime:
    if item.request.source in OLD_MAIL and item.parsed.date:
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


def _message_rows(items: list[Item]) -> Work[dict[str, int]]:
    """Message id per blob key: existing rows (the same raw mail again) or new ones."""
    keys = list(dict.fromkeys(it.key for it in items))
    known: dict[str, int] = {}
    for batch in batches(keys):
        sql = f'SELECT "sha256", "id" FROM "message" WHERE "sha256" IN ({marks(len(batch))})'
        known.update((yield Statement(sql, batch)))
    new = {it.key: it.parsed for it in items if it.key not in known}
    if not new:
        return known
    rows = [message_row(k, p) for k, p in new.items()]
    known.update((yield from sqlwork.insert(Message, rows, returning=("sha256", "id"))))
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
        yield from sqlwork.insert(Attachment, attachments)
    return known


def _within_quota(items: list[Item], results: list[IngestResult]) -> Work[list[_Copy]]:
    """The deliveries that fit, in group order (one copy per member and folder of a message);
    members out of room go to their result's ``over_quota``."""
    wanted = list({d.member_id for it in items for d in it.request.deliveries})
    members: dict[int, Member] = {}
    for batch in batches(wanted):
        sql = (
            'SELECT "id", "is_vip", "used_bytes", "quota_bytes" FROM "member"'
            f' WHERE "id" IN ({marks(len(batch))})'
        )
        for member_id, vip, used, quota in (yield Statement(sql, batch)):
            members[member_id] = Member(
                id=member_id, is_vip=bool(vip), used_bytes=used, quota_bytes=quota
            )
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


def _store_copies(
    items: list[Item],
    results: list[IngestResult],
    copies: list[_Copy],
    whens: list[datetime],
) -> Work[None]:
    """Folders, threads, entries and quota usage for every accepted copy of the group."""
    member_ids = list(dict.fromkeys(c.delivery.member_id for c in copies))
    roles = list({str(c.delivery.role) for c in copies})
    folders: dict[tuple[int, str], int] = {}
    for batch in batches(member_ids):
        sql = (
            'SELECT "member_id", "role", "id" FROM "folder"'
            f' WHERE "member_id" IN ({marks(len(batch))}) AND "role" IN ({marks(len(roles))})'
        )
        for member_id, role, folder_id in (yield Statement(sql, [*batch, *roles])):
            folders[(member_id, role)] = folder_id
    for copy in copies:
        d = copy.delivery
        copy.folder_id = d.folder_id or folders[(d.member_id, str(d.role))]
    by_item: dict[int, list[_Copy]] = defaultdict(list)
    for copy in copies:
        by_item[copy.item].append(copy)
    threads = yield from thread_group(
        [
            ThreadRequest([c.delivery.member_id for c in group], items[index].parsed, whens[index])
            for index, group in by_item.items()
        ]
    )
    for (_, group), found in zip(by_item.items(), threads, strict=True):
        for copy in group:
            copy.thread_id = found[copy.delivery.member_id]
    used: dict[int, int] = defaultdict(int)
    counts: dict[int, int] = defaultdict(int)
    for copy in copies:
        used[copy.delivery.member_id] += items[copy.item].parsed.size
        counts[copy.delivery.member_id] += 1
    last = yield from _add_usage(used, counts)
    given = {m: last[m] - counts[m] for m in counts}  # each member's values before the group
    uid_next: dict[int, int] = {}
    for copy in copies:
        member_id = copy.delivery.member_id
        given[member_id] += 1
        copy.uid = given[member_id]
        uid_next[copy.folder_id] = copy.uid + 1
    entry_ids = yield from _insert_entries(items, results, copies, whens)
    for copy, entry_id in zip(copies, entry_ids, strict=True):
        d = copy.delivery
        results[copy.item].entries.append(
            StoredEntry(d.member_id, d.role, entry_id, copy.folder_id, copy.uid)
        )
    yield from set_uid_next(uid_next)


def _add_usage(used: dict[int, int], counts: dict[int, int]) -> Work[dict[int, int]]:
    """Add each member's bytes to their usage and take ``counts`` modification sequence
    values (``Member.modseq``) for their new entries; each member's last value.

    A few statements: one per (bytes, count) shared by several members (a mail to many),
    one CASE for each batch of the rest (a group of mails to different members). The row
    lock the update takes orders the values of one member by commit (docs/imap.md).
    """
    by_amount: dict[tuple[int, int], list[int]] = defaultdict(list)
    for member_id, amount in used.items():
        by_amount[(amount, counts[member_id])].append(member_id)
    single = [(ids[0], key) for key, ids in by_amount.items() if len(ids) == 1]
    shared = [(key, ids) for key, ids in by_amount.items() if len(ids) > 1]
    last: dict[int, int] = {}
    for (amount, count), ids in shared:
        for batch in batches(ids):
            sql = (
                'UPDATE "member" SET "used_bytes" = "used_bytes" + CAST(? AS BIGINT),'
                ' "modseq" = "modseq" + CAST(? AS BIGINT)'
                f' WHERE "id" IN ({marks(len(batch))}) RETURNING "id", "modseq"'
            )
            last.update((yield Statement(sql, [amount, count, *batch])))
    for batch in batches(single):
        cases = " ".join(["WHEN ? THEN CAST(? AS BIGINT)"] * len(batch))
        sql = (
            f'UPDATE "member" SET "used_bytes" = "used_bytes" + CASE "id" {cases} ELSE 0 END,'
            f' "modseq" = "modseq" + CASE "id" {cases} ELSE 0 END'
            f' WHERE "id" IN ({marks(len(batch))}) RETURNING "id", "modseq"'
        )
        values = [v for m, (amount, _) in batch for v in (m, amount)]
        values += [v for m, (_, count) in batch for v in (m, count)]
        last.update((yield Statement(sql, [*values, *(m for m, _ in batch)])))
    return last


def set_uid_next(uid_next: dict[int, int]) -> Work[None]:
    """Each folder's next UID after the values its new entries took."""
    pairs = list(uid_next.items())
    for batch in batches(pairs):
        cases = " ".join(["WHEN ? THEN CAST(? AS BIGINT)"] * len(batch))
        sql = (
            f'UPDATE "folder" SET "uid_next" = CASE "id" {cases} ELSE "uid_next" END'
            f' WHERE "id" IN ({marks(len(batch))})'
        )
        yield Statement(sql, [v for pair in batch for v in pair] + [f for f, _ in batch])


def _insert_entries(
    items: list[Item], results: list[IngestResult], copies: list[_Copy], whens: list[datetime]
) -> Work[list[int]]:
    """Insert the entries; their ids in ``copies`` order (the ids come back in no
    particular order, with the member and UID, which identify a copy)."""
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
                uid=copy.uid,
                modseq=copy.uid,
                answered=d.answered,
                deleted=d.deleted,
                keywords=d.keywords,
            )
        )
    found: dict[tuple[int, int], int] = {}
    for member_id, uid, pk in (
        yield from sqlwork.insert(MailboxEntry, rows, returning=("member_id", "uid", "id"))
    ):
        found[(member_id, uid)] = pk
    return [found[(r.member_id, r.uid)] for r in rows]


def _queue_outbound(items: list[Item], results: list[IngestResult], now: datetime) -> Work[None]:
    rows = []
    for item, result in zip(items, results, strict=True):
        request = item.request
        dsn = request.dsn or Dsn()
        rows.extend(
            OutboundMessage(
                message_id=result.message_pk,
                sender_id=request.sender_member_id,
                envelope_from=request.envelope_from,
                recipient=rcpt,
                next_attempt_at=now,
                dsn_ret=dsn.ret,
                dsn_envid=dsn.envid,
                dsn_notify=dsn.notify.get(rcpt.lower(), ""),
                dsn_orcpt=dsn.orcpt.get(rcpt.lower(), ""),
                smtp_account_id=request.smtp_account_id,
            )
            for rcpt in request.outbound
        )
        result.queued = len(request.outbound)
    if rows:
        yield from sqlwork.insert(OutboundMessage, rows)
