"""The one ingest path: every message enters storage here, whoever brings it.

parse once → policies (``mailcore/policy``) → store the raw blob once (content-addressed,
fsynced) → in one database transaction: message row, attachments, per-recipient mailbox
entries with threads and quota usage, outbound queue rows (``mailcore/store/commit.py``) →
publish events. Concurrent ingests are committed in groups: the group's blobs are written
and synced together, then one transaction (one fsync, a fixed number of statements for
many messages) stores their rows; ``ingest`` returns only after its group committed, so an
SMTP 250 sent after it never precedes durable storage.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from mailcore import search
from mailcore.core import events
from mailcore.core.blobs import BlobStore
from mailcore.core.mime.parse import parse_message
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import FolderRole
from mailcore.openapi.webhooks import enqueue_new_mail
from mailcore.policy.pipeline import before_store
from mailcore.store.commit import Item, commit_group
from mailcore.store.request import (
    Delivery,
    IngestRequest,
    IngestResult,
    IngestSource,
    StoredEntry,
)
from mailcore.wechat.subscribe import notify_new_mail as notify_wechat

__all__ = ["Delivery", "IngestRequest", "IngestResult", "IngestSource", "Ingestor", "StoredEntry"]

log = logging.getLogger(__name__)

PARSE_IN_THREAD_ABOVE = 256 * 1024
MAX_GROUP = 64


@dataclass
class _Pending:
    request: IngestRequest
    parsed: ParsedMessage
    future: asyncio.Future[IngestResult]
    key: str = ""  # the blob's key, once written


async def parse(raw: bytes) -> ParsedMessage:
    """parse_message, in a thread for a big message (it would hold the event loop)."""
    if len(raw) > PARSE_IN_THREAD_ABOVE:
        return await asyncio.to_thread(parse_message, raw)
    return parse_message(raw)


class Ingestor:
    """Runs the ingest path against one blob store, committing concurrent ingests in groups."""

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self._queue: asyncio.Queue[_Pending] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()

    async def ingest(self, request: IngestRequest) -> IngestResult:
        parsed = request.parsed or await parse(request.raw)
        await before_store(request, parsed)  # may reshape the request or refuse the mail
        future: asyncio.Future[IngestResult] = asyncio.get_running_loop().create_future()
        self._ensure_worker()
        assert self._queue is not None
        await self._queue.put(_Pending(request, parsed, future))
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
                keys = await self.blobs.put_many([item.request.raw for item in group])
            except Exception as exc:  # noqa: BLE001 - reported to the callers, who refuse
                log.exception("storing the blobs of a group failed")
                for item in group:
                    if not item.future.done():
                        item.future.set_exception(exc)
                continue
            for item, key in zip(group, keys, strict=True):
                item.key = key
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
    return await commit_group([Item(p.request, p.parsed, p.key) for p in group])


async def _publish_logged(request: IngestRequest, result: IngestResult) -> None:
    try:
        await _publish(request, result)
    except Exception:  # noqa: BLE001 - the mail is stored; a lost event only delays the UI
        log.exception("publishing ingest events failed")


async def _publish(request: IngestRequest, result: IngestResult) -> None:
    parsed = result.parsed
    search.committed(result.sha256, parsed)  # wake the indexer, which may reuse the parse
    new_mail = {
        "subject": parsed.subject,
        "from_name": parsed.from_.name if parsed.from_ else "",
        "from_address": parsed.from_.address if parsed.from_ else "",
        "date": (parsed.date or datetime.now(UTC)).isoformat(),
    }
    published: list[tuple[int, str, dict]] = []
    for stored in result.entries:
        common = {"id": str(stored.entry_id), "origin": request.origin_session}
        if stored.role in (FolderRole.INBOX, FolderRole.SPAM):
            payload = {**new_mail, "folder": stored.role.value, **common}
            published.append((stored.member_id, events.NEW_MAIL, payload))
        else:
            payload = {"change": "added", **common}
            published.append((stored.member_id, events.MAILBOX_CHANGED, payload))
    await events.publish_many(published)  # one round trip for a mail to many members
    await enqueue_new_mail(request, result)  # open API new-mail webhooks (queued, not sent)
    await notify_wechat(request, result)  # WeChat subscribe messages (mini-program)
