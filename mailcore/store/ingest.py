"""The one ingest path: every message enters storage here, whoever brings it.

parse once → the registry's policies (``mailcore/store/registry.py``) → store the raw blob
once (content-addressed, fsynced) → in one database transaction: message row, attachments,
per-recipient mailbox entries with threads and quota usage, outbound queue rows, the change
log and the consumers' outbox jobs (``mailcore/store/commit.py``) → wake the outbox workers
and tell the live listeners (push to open sessions), off the caller's path. Concurrent
ingests are committed in groups: the group's blobs are written and synced together, then one
transaction (one fsync, a fixed number of statements for many messages) stores their rows;
``ingest`` returns only after its group committed, so an SMTP 250 sent after it never
precedes durable storage.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from mailcore.core.blobs import BlobStore
from mailcore.core.mime.parse import parse_message
from mailcore.core.mime.types import ParsedMessage
from mailcore.store.changes import Changes
from mailcore.store.commit import Item, commit_group
from mailcore.store.registry import Registry
from mailcore.store.request import (
    Delivery,
    IngestRequest,
    IngestResult,
    IngestSource,
    StoredEntry,
)

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
    """Runs the ingest path against one blob store, committing concurrent ingests in groups;
    ``changes`` changes what is stored, announced to the same registry."""

    def __init__(self, blobs: BlobStore, registry: Registry) -> None:
        self.blobs = blobs
        self.registry = registry  # built by mailcore/runtime.py: without it, no policies
        self.changes = Changes(self.registry)
        self._queue: asyncio.Queue[_Pending] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()

    async def ingest(self, request: IngestRequest) -> IngestResult:
        parsed = request.parsed or await parse(request.raw)
        for policy in self.registry.policies:  # may reshape the request or refuse the mail
            await policy(request, parsed)
        future: asyncio.Future[IngestResult] = asyncio.get_running_loop().create_future()
        self._ensure_worker()
        assert self._queue is not None
        await self._queue.put(_Pending(request, parsed, future))
        result = await future
        if self.registry.jobs:
            self.registry.wake()  # the outbox rows of this mail are committed
        # Live listeners hear after the commit but off the caller's path: an SMTP 250 does not
        # wait for a fan-out to thousands of subscribers (or Redis round trips).
        task = asyncio.create_task(self._announce(request, result))
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
                results = await self._commit(group)
            except Exception:
                log.exception("group commit failed; committing its messages one by one")
                for item in group:
                    await self._commit_alone(item)
                continue
            for item, result in zip(group, results, strict=True):
                if not item.future.done():
                    item.future.set_result(result)

    async def _commit_alone(self, item: _Pending) -> None:
        try:
            [result] = await self._commit([item])
        except Exception as exc:  # noqa: BLE001 - reported to the caller, who refuses the mail
            if not item.future.done():
                item.future.set_exception(exc)
        else:
            if not item.future.done():
                item.future.set_result(result)

    async def _commit(self, group: list[_Pending]) -> list[IngestResult]:
        items = [Item(p.request, p.parsed, p.key) for p in group]
        return await commit_group(items, self.registry)

    async def _announce(self, request: IngestRequest, result: IngestResult) -> None:
        for listener in self.registry.listeners:
            try:
                await listener(request, result)
            except Exception:  # noqa: BLE001 - the mail is stored; a lost event delays a UI
                log.exception("a live listener failed after ingest")
