"""The indexing worker: keeps a search space in step with the database, off the request path.

Every change of a document (new mail, flags, folder, removal, a new archive record) commits an
outbox job ``search.<space>`` with the document ids in its own transaction
(``mailcore/store/outbox.py``); this worker claims batches of them, and ``apply`` re-reads
each document from the database (present: update it, or index it when the index
lacks it; gone: delete it), so a job done twice does no harm, and a job is deleted only after
the backend took it. A new or rebuilt index is filled by a backfill instead:
``search_state.indexed_upto`` is how far it got, ``backfill_until`` where it stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from mailcore.core.models import SearchState
from mailcore.search.contract import SearchBackend, SearchDoc, SearchUnavailable
from mailcore.store import outbox
from mailcore.store.registry import Job

log = logging.getLogger(__name__)

BATCH = 200
BACKFILL_DONE = -1  # backfill_until once a backfill reached the end
POLL = 30.0  # seconds: also pick up work recorded by other processes (CLI, other servers)
RETRY = (1.0, 5.0, 30.0)
# A burst of mail is indexed in a few commits, not one per message: after a wake the worker
# lets work gather for a moment, and keeps the backend's writer between rounds (opening an
# embedded writer costs its memory arena and threads; each commit makes a segment to merge).
GATHER = 0.2  # seconds
RELEASE_IDLE = 1.0  # seconds without work: let the writer go (a CLI reindex may want it)
RELEASE_EVERY = 5.0  # seconds: and at least this often while mail keeps coming


class Source(Protocol):
    """Where one space's documents come from."""

    space: str

    async def ids_after(self, upto: int, limit: int) -> list[int]: ...

    async def entries(self, ids: list[int]) -> dict[int, Any]: ...

    def mutable(self, entry: Any) -> dict[str, object]: ...

    async def documents(self, entries: list[Any]) -> list[SearchDoc]: ...


def topic(space: str) -> str:
    return f"search.{space}"


def jobs(space: str, ids: list[int], *, new: bool = False) -> list[Job]:
    """A job to re-read documents, or (``new``) to index documents not in the index yet."""
    key = "new" if new else "ids"
    return [Job(topic(space), {key: [int(i) for i in ids]}, merge=True)] if ids else []


async def record_changes(space: str, ids: list[int]) -> None:
    """Durably note documents to re-read (in the caller's transaction, if it has one)."""
    await outbox.add(jobs(space, ids))


async def backfill(space: str) -> tuple[int, int]:
    """(indexed_upto, backfill_until) of a space; a space never seen is backfilled."""
    state = await SearchState.filter(space=space).first()
    return (state.indexed_upto, state.backfill_until) if state else (0, 2**62)


async def set_backfill(space: str, upto: int, until: int | None = None) -> None:
    values: dict[str, int] = {"indexed_upto": upto}
    if until is not None:
        values["backfill_until"] = until
    updated = await SearchState.filter(space=space).update(**values)
    if not updated:
        await SearchState.create(space=space, **values)


class Indexer:
    def __init__(
        self, backend: SearchBackend, sources: list[Source], *, paused: bool = False
    ) -> None:
        self.backend = backend
        self.sources = {s.space: s for s in sources}
        self.paused = paused
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._checked: set[str] = set()  # spaces whose index was looked at once

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="qiyou-search-indexer")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        await self.backend.release()

    def notify(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until the worker has nothing left (tests, reindex)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def _run(self) -> None:
        failures = 0
        loop = asyncio.get_running_loop()
        held_since = None  # when the backend's writer was last taken
        while True:
            if not self.paused:
                held_since = held_since or loop.time()
                try:
                    await self.catch_up(release=False)
                    failures = 0
                    self._idle.set()
                except (SearchUnavailable, OSError) as exc:
                    log.warning("search indexing failed, will retry: %s", exc)
                    failures += 1
                except Exception:
                    log.exception("search indexing failed, will retry")
                    failures += 1
            delay = RETRY[min(failures, len(RETRY)) - 1] if failures else POLL
            if held_since is not None and loop.time() - held_since > RELEASE_EVERY:
                await self._release()
                held_since = None
            woken = await self._woken(min(delay, RELEASE_IDLE))
            if not woken:
                if held_since is not None:
                    await self._release()
                    held_since = None
                woken = await self._woken(max(delay - RELEASE_IDLE, 0.0))
            self._wake.clear()
            if woken:
                await asyncio.sleep(GATHER)

    async def _woken(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _release(self) -> None:
        try:
            await self.backend.release()
        except Exception:  # noqa: BLE001 - the next round opens a writer again
            log.exception("releasing the search writer failed")

    async def catch_up(
        self, progress: Callable[[int], None] | None = None, *, release: bool = True
    ) -> int:
        """Index everything outstanding; answer how many documents were handled. The
        backend's writer is let go at the end unless ``release`` is false (the worker keeps
        it across a burst of mail)."""
        done = 0
        for source in self.sources.values():
            if source.space not in self._checked:
                if await self.backend.was_created(source.space):
                    log.warning("search index %r is new: indexing everything", source.space)
                    await set_backfill(source.space, 0, 2**62)
                self._checked.add(source.space)
            while True:
                handled = await self._outbox(source) + await self._new(source)
                if progress and handled:
                    progress(handled)
                done += handled
                if not handled:
                    break
        if release:
            await self.backend.release()
        return done

    async def _outbox(self, source: Source) -> int:
        """Do the outbox jobs of this space (the indexer is the worker of its own topics: it
        batches a burst of mail and keeps the backend's writer across it)."""

        async def handle(payloads: list[dict]) -> None:
            await self.apply(source.space, payloads)

        done = 0
        while handled := await outbox.run_topic(topic(source.space), handle):
            done += handled
        return done

    async def apply(self, space: str, payloads: list[dict]) -> None:
        """Outbox handler of ``search.<space>``: bring the jobs' documents up to date. New
        documents are indexed straight away; changed ones are re-read (``refresh``)."""
        source = self.sources[space]
        changed = sorted({int(i) for payload in payloads for i in payload.get("ids", ())})
        new = sorted({int(i) for p in payloads for i in p.get("new", ())} - set(changed))
        if new:
            entries = await source.entries(new)
            docs = await source.documents([entries[i] for i in new if i in entries])
            await self.backend.upsert(space, docs)
        if changed:
            await self.refresh(source, changed)

    async def refresh(self, source: Source, ids: list[int]) -> None:
        """Bring these documents in line with the database: update, index or delete each."""
        entries = await source.entries(ids)
        gone = [i for i in ids if i not in entries]
        if gone:
            await self.backend.delete(source.space, gone)
        if entries:
            changes = {i: source.mutable(e) for i, e in entries.items()}
            missing = await self.backend.update(source.space, changes)
            fresh = [entries[i] for i in missing]  # new, or lost from the index: index it now
            if fresh:
                await self.backend.upsert(source.space, await source.documents(fresh))

    async def _new(self, source: Source) -> int:
        """One step of a backfill, if one is under way."""
        upto, until = await backfill(source.space)
        if until <= upto:
            return 0
        ids = [i for i in await source.ids_after(upto, BATCH) if i <= until]
        if not ids:
            await set_backfill(source.space, upto, BACKFILL_DONE)
            return 0
        entries = await source.entries(ids)
        docs = await source.documents([entries[i] for i in ids if i in entries])
        await self.backend.upsert(source.space, docs)
        await set_backfill(source.space, max(ids))
        return len(ids)

    async def rebuild(self, space: str, progress: Callable[[int], None] | None = None) -> int:
        """Empty the space and index it again from the database."""
        if space not in self.sources:
            raise KeyError(f"no search space {space!r}")
        await self.backend.clear(space)
        await set_backfill(space, 0, 2**62)
        return await self.catch_up(progress)
