"""The indexing worker: keeps a search space in step with the database, off the request path.

Every change of a document (new mail, flags, folder, removal, a new archive record) commits an
outbox job ``search.<space>`` with the document ids in its own transaction
(``mailcore/store/outbox.py``). What happens to the job depends on where the index lives:

- **A shared index** (Meilisearch: ``backend.shared``): a worker claims batches of jobs and
  applies them to the index; every node searches the same index.
- **An index per node** (the embedded tantivy index in each node's data dir): a worker turns
  the jobs into entries of the **search feed** (``search_feed``), numbered in commit order
  under one counter row's lock, and every node with an index follows the feed from its own
  cursor per space (``search_node_state.feed_seq``). Every node thus applies every change,
  whichever node committed it, and a late commit is never skipped (it cannot become visible
  after a later number). A space's entries every node has applied are pruned; a node away
  longer than ``FEED_RETENTION`` finds its cursor below the space's pruned mark and rebuilds
  its index.

``apply`` re-reads each document from the database (present: update it, or index it when the
index lacks it; gone: delete it), so a job done twice does no harm. A document whose message
cannot be read from the blob store is not indexed half-empty: it is retried later through the
node's own outbox topic ``search.<space>@<node>``, with backoff.

A new or rebuilt index is filled by a backfill instead: each node's ``indexed_upto`` is how
far it got, ``backfill_until`` where it stops. The marks are the node's own: a new node never
resets another's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mailcore.core import metrics
from mailcore.core.models import OutboxJob, SearchFeed, SearchFeedHead, SearchNodeState
from mailcore.search.contract import SPACES, SearchBackend, SearchDoc, SearchUnavailable
from mailcore.store import outbox
from mailcore.store.registry import Job

log = logging.getLogger(__name__)

BATCH = 200
BACKFILL_DONE = -1  # backfill_until once a backfill reached the end
EVERYTHING = 2**62  # backfill_until of a backfill that runs to the end
POLL = 30.0  # seconds: also pick up work recorded by other processes (CLI, other servers)
RETRY = (1.0, 5.0, 30.0)
# A burst of mail is indexed in a few commits, not one per message: after a wake the worker
# lets work gather for a moment, and keeps the backend's writer between rounds (opening an
# embedded writer costs its memory arena and threads; each commit makes a segment to merge).
GATHER = 0.2  # seconds
RELEASE_IDLE = 1.0  # seconds without work: let the writer go (a CLI reindex may want it)
RELEASE_EVERY = 5.0  # seconds: and at least this often while mail keeps coming
LEGACY = "legacy"  # the node of progress rows from before nodes had their own
FEED_RETENTION = 7 * 86400.0  # seconds: feed entries older than this are pruned regardless
PRUNE_EVERY = 600.0  # seconds between prunings of the feed (by feeding workers)
HEARTBEAT = 60.0  # seconds: a following node says it is alive at least this often
UNREADABLE_BACKOFF = (10.0, 3600.0)  # seconds: first retry of an unreadable message, at most


class Source(Protocol):
    """Where one space's documents come from."""

    space: str

    async def ids_after(self, upto: int, limit: int) -> list[int]: ...

    async def entries(self, ids: list[int]) -> dict[int, Any]: ...

    def mutable(self, entry: Any) -> dict[str, object]: ...

    async def documents(self, entries: list[Any]) -> tuple[list[SearchDoc], list[int]]:
        """The entries' documents, and the ids of entries whose content could not be read
        now (to be tried again later)."""


def topic(space: str) -> str:
    return f"search.{space}"


def retry_topic(space: str, node: str) -> str:
    """The outbox topic of documents one node could not index yet."""
    return f"search.{space}@{node}"


def jobs(space: str, ids: list[int], *, new: bool = False) -> list[Job]:
    """A job to re-read documents, or (``new``) to index documents not in the index yet."""
    key = "new" if new else "ids"
    return [Job(topic(space), {key: [int(i) for i in ids]}, merge=True)] if ids else []


async def record_changes(space: str, ids: list[int]) -> None:
    """Durably note documents to re-read (in the caller's transaction, if it has one)."""
    await outbox.add(jobs(space, ids))


def now_ms() -> int:
    return int(time.time() * 1000)


# Each node's progress ------------------------------------------------------------------------


async def node_state(node: str, space: str) -> SearchNodeState | None:
    return await SearchNodeState.filter(node=node, space=space).first()


async def backfill(node: str, space: str) -> tuple[int, int]:
    """(indexed_upto, backfill_until) of a node's index of a space; never seen: everything."""
    state = await node_state(node, space)
    return (state.indexed_upto, state.backfill_until) if state else (0, EVERYTHING)


async def set_backfill(node: str, space: str, upto: int, until: int | None = None) -> None:
    values: dict[str, int] = {"indexed_upto": upto}
    if until is not None:
        values["backfill_until"] = until
    if not await SearchNodeState.filter(node=node, space=space).update(**values):
        await SearchNodeState.create(node=node, space=space, **values)


async def reset(node: str, space: str, feed_seq: int) -> None:
    """A new (or emptied) index: backfill everything, follow the feed after ``feed_seq``
    (taken before the backfill reads anything, so nothing falls between the two)."""
    values = {
        "indexed_upto": 0,
        "backfill_until": EVERYTHING,
        "feed_seq": feed_seq,
        "seen_at": now_ms(),
    }
    if not await SearchNodeState.filter(node=node, space=space).update(**values):
        await SearchNodeState.create(node=node, space=space, **values)


async def adopt_legacy(node: str, space: str) -> bool:
    """Take over the progress kept before nodes had their own (one node wins)."""
    return bool(await SearchNodeState.filter(node=LEGACY, space=space).update(node=node))


# The search feed -----------------------------------------------------------------------------


async def feed_mark(name: str) -> int:
    """``head`` (the last seq given) or ``pruned.<space>`` (the last seq of that space's
    entries deleted)."""
    row = await SearchFeedHead.filter(name=name).first()
    return row.seq if row else 0


async def append_feed(space: str, payloads: list[dict]) -> int:
    """Add payloads to the feed as one entry, numbered under the head row's lock in this
    transaction (entries commit in the order of their numbers); answer its seq."""
    payload = merge_payloads(payloads)
    async with in_transaction():
        await SearchFeedHead.filter(name="head").update(seq=F("seq") + 1)
        head = await SearchFeedHead.get(name="head")
        await SearchFeed.create(
            seq=head.seq,
            space=space,
            payload=json.dumps(payload, separators=(",", ":")),
            created_at=now_ms(),
        )
    return head.seq


def merge_payloads(payloads: list[dict]) -> dict[str, list[int]]:
    """Jobs' ``ids`` and ``new`` lists joined (a document in both is re-read, ``ids``)."""
    changed = sorted({int(i) for p in payloads for i in p.get("ids", ())})
    new = sorted({int(i) for p in payloads for i in p.get("new", ())} - set(changed))
    return {k: v for k, v in (("ids", changed), ("new", new)) if v}


def pruned_mark(space: str) -> str:
    """The name of the counter row holding the last pruned seq of a space's entries."""
    return f"pruned.{space}"


async def prune_feed(retention: float = FEED_RETENTION, alive: float = FEED_RETENTION) -> int:
    """Per space, delete the feed entries every node that followed within ``alive`` seconds
    has applied, and entries older than ``retention`` whatever; answer how many."""
    now = now_ms()
    deleted = 0
    for space in SPACES:
        newest = await SearchFeed.filter(space=space).order_by("-seq").first()
        if newest is None:
            continue
        cursors = (
            await SearchNodeState.filter(space=space, seen_at__gte=now - int(alive * 1000))
            .exclude(node=LEGACY)
            .values_list("feed_seq", flat=True)
        )
        upto = min([newest.seq, *cursors])
        old = (
            await SearchFeed.filter(space=space, created_at__lt=now - int(retention * 1000))
            .order_by("-seq")
            .first()
        )
        if old is not None:
            upto = max(upto, old.seq)
        mark = pruned_mark(space)
        if upto <= await feed_mark(mark):
            continue
        async with in_transaction():
            deleted += await SearchFeed.filter(space=space, seq__lte=upto).delete()
            await SearchFeedHead.filter(name=mark, seq__lt=upto).update(seq=upto)
    return deleted


# The worker ----------------------------------------------------------------------------------


class Indexer:
    """Keeps one backend's spaces up to date. ``feeding``: this process takes the
    ``search.<space>`` outbox jobs (a worker); ``follows``: it follows the search feed into
    an index of its own (``backend.shared`` false). With neither it only searches."""

    def __init__(
        self,
        backend: SearchBackend,
        sources: list[Source],
        *,
        feeding: bool = False,
        follows: bool = False,
        announce: Callable[[], None] | None = None,
    ) -> None:
        self.backend = backend
        self.sources = {s.space: s for s in sources}
        self.node = backend.node_id()
        self.feeding = feeding
        self.follows = follows and not backend.shared
        self.paused = not (self.feeding or self.follows)
        self.announce = announce  # tells other processes the feed grew
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._cursors: dict[str, int] = {}  # space → last feed entry applied (checked spaces)
        self._seen = 0.0  # when this node last said it follows
        self._pruned = 0.0  # when the feed was last pruned from here

    @property
    def indexes(self) -> bool:
        """Whether this process writes the index (backfills, retries)."""
        return self.follows or (self.feeding and self.backend.shared)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="qiyou-search-indexer")
            if self.follows:
                metrics.register_collector("search_feed", self.feed_lag)

    async def feed_lag(self) -> list[Metric]:
        """/metrics: per space, the feed entries this node has not applied yet and the age
        of the oldest of them."""
        behind = GaugeMetricFamily(
            "qiyou_search_feed_behind",
            "Search feed entries this node's index has not applied yet",
            labels=["space"],
        )
        age = GaugeMetricFamily(
            "qiyou_search_feed_lag_seconds",
            "Age of the oldest search feed entry this node has not applied (0: none)",
            labels=["space"],
        )
        now = now_ms()
        for space, cursor in list(self._cursors.items()):
            waiting = SearchFeed.filter(space=space, seq__gt=cursor)
            oldest = await waiting.order_by("seq").first()
            behind.add_metric([space], await waiting.count())
            age.add_metric([space], max(now - oldest.created_at, 0) / 1000 if oldest else 0)
        return [behind, age]

    async def stop(self) -> None:
        if self.follows:
            metrics.unregister_collector("search_feed")
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
        """Do everything outstanding; answer how many documents (or jobs) were handled. The
        backend's writer is let go at the end unless ``release`` is false (the worker keeps
        it across a burst of mail)."""
        done = 0
        for source in self.sources.values():
            if self.indexes and source.space not in self._cursors:
                await self._check(source)
            while True:
                handled = 0
                if self.feeding:
                    handled += await self._outbox(source)
                if self.indexes:
                    handled += await self._follow(source) + await self._retries(source)
                    handled += await self._new(source)
                if progress and handled:
                    progress(handled)
                done += handled
                if not handled:
                    break
        if self.follows:
            await self._heartbeat()
        if self.feeding and not self.backend.shared:
            await self._prune()
        if release:
            await self.backend.release()
        return done

    async def _check(self, source: Source) -> None:
        """First look at this node's index of a space: a new index (or a new node) is
        backfilled; one that missed pruned feed entries is rebuilt."""
        space = source.space
        created = await self.backend.was_created(space)
        state = await node_state(self.node, space)
        if state is None and not created and await adopt_legacy(self.node, space):
            state = await node_state(self.node, space)
        missed = (
            state is not None
            and self.follows
            and state.feed_seq < await feed_mark(pruned_mark(space))
        )
        if missed:
            log.warning("search index %r missed pruned feed entries: rebuilding it", space)
            await self.backend.clear(space)
        if created or state is None or missed:
            if created:
                log.warning("search index %r is new: indexing everything", space)
            head = await feed_mark("head") if self.follows else 0
            await reset(self.node, space, head)
            self._cursors[space] = head
        else:
            self._cursors[space] = state.feed_seq

    async def _outbox(self, source: Source) -> int:
        """Take this space's outbox jobs: apply them to a shared index, or add them to the
        feed (and wake the followers of other processes)."""
        space = source.space

        async def handle(payloads: list[dict]) -> None:
            if self.backend.shared:
                await self.apply(space, payloads)
            else:
                await append_feed(space, payloads)

        done = 0
        while handled := await outbox.run_topic(topic(space), handle):
            done += handled
        if done and not self.backend.shared and self.announce is not None:
            self.announce()
        return done

    async def _follow(self, source: Source) -> int:
        """Apply the feed entries after this node's cursor."""
        if not self.follows:
            return 0
        space = source.space
        cursor = self._cursors[space]
        entries = await SearchFeed.filter(space=space, seq__gt=cursor).order_by("seq").limit(BATCH)
        if not entries:
            return 0
        await self.apply(space, [json.loads(entry.payload) for entry in entries])
        cursor = entries[-1].seq
        await SearchNodeState.filter(node=self.node, space=space).update(
            feed_seq=cursor, seen_at=now_ms()
        )
        self._cursors[space] = cursor
        return len(entries)

    async def _retries(self, source: Source) -> int:
        """Documents this node could not index before (their message could not be read)."""
        space = source.space

        async def handle(payloads: list[dict]) -> None:
            tries = max(int(p.get("try", 1)) for p in payloads)
            await self.apply(space, payloads, tries=tries)

        return await outbox.run_topic(retry_topic(space, self.node), handle)

    async def _heartbeat(self) -> None:
        if time.monotonic() - self._seen < HEARTBEAT:
            return
        await SearchNodeState.filter(node=self.node).update(seen_at=now_ms())
        self._seen = time.monotonic()

    async def _prune(self) -> None:
        if time.monotonic() - self._pruned < PRUNE_EVERY:
            return
        self._pruned = time.monotonic()
        pruned = await prune_feed()
        if pruned:
            log.info("search feed: %d applied entries pruned", pruned)

    async def apply(self, space: str, payloads: list[dict], *, tries: int = 0) -> None:
        """Bring the jobs' documents up to date. New documents are indexed straight away;
        changed ones are re-read (``refresh``)."""
        source = self.sources[space]
        payload = merge_payloads(payloads)
        new, changed = payload.get("new", []), payload.get("ids", [])
        unreadable: list[int] = []
        if new:
            entries = await source.entries(new)
            docs, failed = await source.documents([entries[i] for i in new if i in entries])
            await self.backend.upsert(space, docs)
            unreadable += failed
        if changed:
            unreadable += await self.refresh(source, changed)
        if unreadable:
            await self._unreadable(space, unreadable, tries + 1)

    async def _unreadable(self, space: str, ids: list[int], tries: int) -> None:
        """Try these documents again later, on this node's own topic, with backoff."""
        first, most = UNREADABLE_BACKOFF
        delay = min(first * 2 ** (tries - 1), most)
        log.warning(
            "search %s: %d documents whose message cannot be read now (try %d), again in %.0f s",
            space,
            len(ids),
            tries,
            delay,
        )
        job = Job(retry_topic(space, self.node), {"new": sorted(ids), "try": tries})
        await OutboxJob.bulk_create(outbox.rows([job], now=now_ms() + int(delay * 1000)))

    async def refresh(self, source: Source, ids: list[int]) -> list[int]:
        """Bring these documents in line with the database: update, index or delete each;
        answer the ids that could not be indexed now (unreadable)."""
        entries = await source.entries(ids)
        gone = [i for i in ids if i not in entries]
        if gone:
            await self.backend.delete(source.space, gone)
        if not entries:
            return []
        changes = {i: source.mutable(e) for i, e in entries.items()}
        missing = await self.backend.update(source.space, changes)
        fresh = [entries[i] for i in missing]  # new, or lost from the index: index it now
        if not fresh:
            return []
        docs, failed = await source.documents(fresh)
        await self.backend.upsert(source.space, docs)
        return failed

    async def _new(self, source: Source) -> int:
        """One step of a backfill, if one is under way."""
        upto, until = await backfill(self.node, source.space)
        if until <= upto:
            return 0
        ids = [i for i in await source.ids_after(upto, BATCH) if i <= until]
        if not ids:
            await set_backfill(self.node, source.space, upto, BACKFILL_DONE)
            return 0
        entries = await source.entries(ids)
        docs, failed = await source.documents([entries[i] for i in ids if i in entries])
        await self.backend.upsert(source.space, docs)
        if failed:
            await self._unreadable(source.space, failed, 1)
        await set_backfill(self.node, source.space, max(ids))
        return len(ids)

    async def rebuild(self, space: str, progress: Callable[[int], None] | None = None) -> int:
        """Empty this node's index of the space and index it again from the database (the
        feed cursor stays: changes after it still arrive through the feed)."""
        if space not in self.sources:
            raise KeyError(f"no search space {space!r}")
        await self.backend.clear(space)
        await set_backfill(self.node, space, 0, EVERYTHING)
        done = 0
        while handled := await self._new(self.sources[space]):
            done += handled
            if progress:
                progress(handled)
        await self.backend.release()
        return done
