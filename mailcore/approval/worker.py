"""The policy jobs of a ``qiyou serve`` process: approval notifications and timeouts, and
the archive's retention purge (hourly).

The worker sleeps until the earliest pending approval times out (at most ``poll`` seconds)
or until a new message is held in this process (``wake``). With several processes, one at a
time makes a round (a database lock: finishing an interrupted decision is not idempotent)
and one at a time purges; a process that finds the round taken looks again a second later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from mailcore.approval.service import Services, next_expiry, run_due
from mailcore.archive.purge import purge_expired
from mailcore.core.locks import singleton

log = logging.getLogger(__name__)

PURGE_EVERY = 3600.0
BUSY_RETRY = 1.0  # seconds: another process was making the round
_current: PolicyJobs | None = None


def wake() -> None:
    """A message was just held: look for work soon (after its transaction committed)."""
    if _current is not None:
        _current.wake()


class PolicyJobs:
    def __init__(self, services: Services, poll: float = 30.0) -> None:
        self.services = services
        self.poll = poll
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._purged = 0.0

    def start(self) -> None:
        global _current
        self._task = asyncio.create_task(self._run(), name="qiyou-policy-jobs")
        _current = self

    async def stop(self) -> None:
        global _current
        if _current is self:
            _current = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        self._event.set()

    async def _purge(self) -> None:
        async with singleton("archive-retention") as held:
            if held:  # else another process purges right now
                removed = await purge_expired()
                if removed:
                    log.info("archive: %d expired record(s) purged", removed)
        self._purged = time.monotonic()

    async def _run(self) -> None:
        woken = False
        while True:
            try:
                async with singleton("approval-jobs") as held:
                    while held and await run_due(self.services):
                        pass
                if time.monotonic() - self._purged > PURGE_EVERY:
                    await self._purge()
                delay = self.poll if held else BUSY_RETRY
                due = await next_expiry()
                if due is not None:
                    delay = min(delay, max(0.05, (due - datetime.now(UTC)).total_seconds()))
                if woken:  # look once more soon, in case the holding commit was late
                    delay, woken = min(delay, 1.0), False
            except Exception:  # noqa: BLE001 - keep the worker alive, retry on the next round
                log.exception("policy jobs round failed")
                delay = self.poll
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), delay)
            if self._event.is_set():
                self._event.clear()
                woken = True
                await asyncio.sleep(0.2)  # let the holding transaction commit
