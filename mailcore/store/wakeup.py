"""Waking the outbox workers of other processes when this one committed jobs.

``Announcer`` is a registry waker: after a commit with outbox jobs it publishes one message on
the event bus (coalesced: at most one per ``COALESCE`` seconds). ``WakeListener`` runs in
worker processes and calls their local wake-ups (outbox worker, search indexer). A lost
message costs only latency: workers poll the outbox anyway.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from mailcore.core.events import Bus
from mailcore.core.events.follower import Follower

log = logging.getLogger(__name__)

ORIGIN = uuid.uuid4().hex  # this process: its own announcements wake nobody twice
COALESCE = 0.02  # seconds


class Announcer:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._due: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task[None]] = set()

    def __call__(self) -> None:
        if self._due is not None or not self.bus.connected:
            return
        loop = asyncio.get_running_loop()
        self._due = loop.call_later(COALESCE, self._send)

    def _send(self) -> None:
        self._due = None
        task = asyncio.get_running_loop().create_task(self._publish())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _publish(self) -> None:
        try:
            await self.bus.publish_outbox_jobs(ORIGIN)
        except Exception:  # noqa: BLE001 - the workers' polling finds the jobs
            log.exception("announcing outbox jobs failed")


class WakeListener(Follower):
    """Follows the bus's outbox announcements and wakes this process's workers."""

    task_name = "qiyou-outbox-wakeups"

    def __init__(self, bus: Bus, wake: list[Callable[[], None]]) -> None:
        super().__init__()
        self.bus = bus
        self.wake = wake

    def subscription(self) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        return self.bus.subscribe_outbox()

    async def handle(self, event: dict[str, Any]) -> None:
        if event.get("origin") != ORIGIN:
            for wake in self.wake:
                wake()
