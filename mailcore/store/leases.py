"""Rows that one process at a time works on, under a lease: external mailboxes being fetched,
members' mailboxes being migrated. A job that can take longer than an outbox lease keeps
its state on its own row (``next_attempt_at``, ``lease_until``, epoch ms).

``claim`` leases due rows in one statement (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so any
number of processes share them; SQLite has one writer); its token, the lease's end, tells
claims apart. ``renew`` extends a lease while the work goes on and says when another worker
took it over (the lease ran out). ``LeasedRows`` is the loop a process runs: it claims
what it has room for, runs each row in a task, and looks again after ``poll`` seconds or
when woken.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time

from tortoise.connection import get_connections
from tortoise.models import Model

from mailcore.core.sqlwork import postgres_sql

log = logging.getLogger(__name__)


def now_ms() -> int:
    return int(time.time() * 1000)


async def claim(
    table: str, due: str, values: list, order: str, limit: int, lease: float
) -> list[tuple[int, int]]:
    """Lease up to ``limit`` rows of ``table`` that meet ``due`` (SQL with ``?`` for
    ``values``), are due and not leased, in ``order``: (id, lease token) pairs."""
    connection = get_connections().get("default")
    postgres = connection.capabilities.dialect == "postgres"
    now = now_ms()
    token = now + int(lease * 1000) + random.randint(0, 999)  # also tells claims apart
    sql = (
        f'UPDATE "{table}" SET "lease_until" = ? WHERE "id" IN (SELECT "id" FROM "{table}"'
        f' WHERE {due} AND "next_attempt_at" <= ? AND "lease_until" < ?'
        f" ORDER BY {order} LIMIT ?{' FOR UPDATE SKIP LOCKED' if postgres else ''})"
        ' RETURNING "id"'
    )
    if postgres:
        sql = postgres_sql(sql)
    rows = await connection.execute_query_dict(sql, [token, *values, now, now, limit])
    return [(int(row["id"]), token) for row in rows]


async def renew(model: type[Model], row_id: int, token: int, lease: float) -> int | None:
    """The new token, or None when the lease is not ours any more."""
    new = now_ms() + int(lease * 1000) + random.randint(0, 999)
    changed = await model.filter(id=row_id, lease_until=token).update(lease_until=new)
    return new if changed else None


class LeasedRows:
    """A process's loop over leased rows: ``claim`` and ``run_one`` are the subclass's."""

    name = "qiyou-leased"
    poll = 2.0  # seconds between looks (rows made due by other processes too)

    def __init__(self, parallel: int) -> None:
        self.parallel = parallel
        self.wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def claim(self, room: int) -> list[tuple[int, int]]:
        raise NotImplementedError

    async def run_one(self, row_id: int, token: int) -> None:
        raise NotImplementedError

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        tasks = [t for t in [task, *self._running] if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            try:
                await t
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                pass

    async def _run(self) -> None:
        while True:
            self.wake.clear()
            try:
                room = self.parallel - len(self._running)
                for row_id, token in await self.claim(room) if room > 0 else []:
                    task = asyncio.create_task(self.run_one(row_id, token))
                    self._running.add(task)
                    task.add_done_callback(self._running.discard)
            except Exception:  # noqa: BLE001 - e.g. the database restarting: try again
                log.exception("%s: claiming rows failed", self.name)
            try:
                await asyncio.wait_for(self.wake.wait(), self.poll)
            except TimeoutError:
                pass
