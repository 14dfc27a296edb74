"""The transactional outbox: jobs written with the change that caused them, done by workers.

``rows`` turns the registry's ``Job``s into ``outbox`` rows for the commit to insert.
``OutboxWorker`` claims due rows of each registered topic under a lease (PostgreSQL:
``FOR UPDATE SKIP LOCKED``, so any number of processes share the work; SQLite has one
writer), hands their payloads to the topic's handler in one batch, and deletes them when
the handler returns. A failed batch is retried with backoff; a process killed mid-batch
leaves a lease that expires, and another worker takes the jobs again (at least once: a
handler must tolerate a repeat). Jobs written by other processes are found by polling.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable

from tortoise.connection import get_connections
from tortoise.exceptions import OperationalError

from mailcore.core.blobs import BlobStore
from mailcore.core.models import OutboxJob
from mailcore.core.sqlwork import postgres_sql
from mailcore.store.registry import Handler, Job, Registry

log = logging.getLogger(__name__)

BATCH = 200
LEASE = 30.0  # seconds a claim holds; a handler taking longer may see its jobs twice
POLL = 2.0  # seconds: also find jobs committed by other processes
BACKOFF_MAX = 300.0  # seconds between tries of a failing job, at most


def now_ms() -> int:
    return int(time.time() * 1000)


def rows(jobs: Iterable[Job], now: int | None = None) -> list[OutboxJob]:
    """Outbox rows for jobs, due at once."""
    at = now_ms() if now is None else now
    return [
        OutboxJob(
            topic=job.topic,
            payload=json.dumps(job.payload, separators=(",", ":"), ensure_ascii=False),
            available_at=at,
            lease_until=0,
            attempts=0,
            last_error="",
            created_at=at,
        )
        for job in jobs
    ]


async def add(jobs: Iterable[Job]) -> None:
    """Write jobs outside a commit of the store (inside the caller's transaction, if any)."""
    batch = rows(jobs)
    if batch:
        await OutboxJob.bulk_create(batch)


def backoff(attempts: int) -> float:
    return min(2.0 ** max(attempts - 1, 0), BACKOFF_MAX)


async def _execute(sql: str, values: list) -> list[dict]:
    connection = get_connections().get("default")
    if connection.capabilities.dialect == "postgres":
        sql = postgres_sql(sql)
    return [dict(row) for row in await connection.execute_query_dict(sql, values)]


async def claim(topic: str, limit: int = BATCH, lease: float = LEASE) -> list[dict]:
    """Lease up to ``limit`` due jobs of ``topic``: rows with id, payload, attempts."""
    connection = get_connections().get("default")
    lock = " FOR UPDATE SKIP LOCKED" if connection.capabilities.dialect == "postgres" else ""
    now = now_ms()
    rows = await _execute(
        'UPDATE "outbox" SET "lease_until" = ?, "attempts" = "attempts" + 1'
        ' WHERE "id" IN (SELECT "id" FROM "outbox" WHERE "topic" = ? AND "available_at" <= ?'
        f' AND "lease_until" < ? ORDER BY "id" LIMIT ?{lock})'
        ' RETURNING "id", "payload", "attempts"',
        [now + int(lease * 1000), topic, now, now, limit],
    )
    return sorted(rows, key=lambda row: row["id"])  # RETURNING keeps no order: commit order


async def done(ids: list[int]) -> None:
    await OutboxJob.filter(id__in=ids).delete()


async def retry_later(jobs: list[dict], error: str) -> None:
    """Let the jobs go, due again after their backoff (one update per attempt count)."""
    now = now_ms()
    by_attempts: dict[int, list[int]] = {}
    for job in jobs:
        by_attempts.setdefault(job["attempts"], []).append(job["id"])
    for attempts, ids in by_attempts.items():
        await OutboxJob.filter(id__in=ids).update(
            lease_until=0,
            available_at=now + int(backoff(attempts) * 1000),
            last_error=error[:2000],
        )


class MessageJobs:
    """The handler of a topic whose jobs each name a stored message and the members it
    reached (``{"message": pk, "members": [ids]}``), done one by one by ``record``. A job
    that fails for a reason of its own (a mail that cannot be read as what it claims) is
    logged and dropped; a database or storage error fails the batch, which is tried again
    after its backoff, so ``record`` must take a repeat calmly."""

    what = "job"  # what a job records, for the log

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    async def __call__(self, payloads: list[dict]) -> None:
        for payload in payloads:
            try:
                await self.record(int(payload["message"]), [int(m) for m in payload["members"]])
            except (OperationalError, OSError):
                raise
            except Exception:  # noqa: BLE001 - one bad mail must not hold the others
                log.exception("recording %s %s failed", self.what, payload)

    async def record(self, message_pk: int, member_ids: list[int]) -> object:
        raise NotImplementedError


async def run_topic(topic: str, handler: Handler, limit: int = BATCH, lease: float = LEASE) -> int:
    """Claim and do one batch of ``topic``; answer how many jobs were done."""
    jobs = await claim(topic, limit, lease)
    if not jobs:
        return 0
    try:
        await handler([json.loads(job["payload"]) for job in jobs])
    except Exception as exc:  # noqa: BLE001 - the jobs stay; tried again after a backoff
        log.exception("outbox %s: %d jobs failed, will retry", topic, len(jobs))
        await retry_later(jobs, f"{type(exc).__name__}: {exc}")
        return 0
    await done([job["id"] for job in jobs])
    return len(jobs)


class OutboxWorker:
    """Does the outbox jobs of every topic with a handler in the registry."""

    def __init__(self, registry: Registry, *, poll: float = POLL, lease: float = LEASE) -> None:
        self.registry = registry
        self.poll = poll
        self.lease = lease
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self.registry.wakers.append(self.wake)
            self._task = asyncio.create_task(self._run(), name="qiyou-outbox")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            self.registry.wakers.remove(self.wake)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    def wake(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def round(self) -> int:
        """One pass over every topic; answer how many jobs were done."""
        done_now = 0
        for topic, handler in list(self.registry.handlers.items()):
            done_now += await run_topic(topic, handler, lease=self.lease)
        return done_now

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                worked = await self.round()
            except Exception:  # noqa: BLE001 - e.g. the database restarting: try again
                log.exception("outbox round failed")
                worked = 0
            if worked:
                continue
            self._idle.set()
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll)
            except TimeoutError:
                pass
