"""Per-process caches that a change must empty in every process, not only in its own.

A cache registers a name and the function that empties it here (``register``). A change
calls ``forget(bus, name)`` with the runtime's bus: the cache of this process is emptied at
once, and the name is announced on the bus (``Bus.caches_channel``), where the
``CacheListener`` of every other process (started with the runtime) empties its own. Without
a connected bus (``None`` from the CLI, or a single process with the memory bus) only the
local forget happens; the caches' own time limits still bound what another process may miss.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from mailcore.core.events import CACHES_CHANGED, Bus
from mailcore.core.events.follower import Follower

log = logging.getLogger(__name__)

ORIGIN = uuid.uuid4().hex  # this process: it does not apply its own announcements twice
_forgetters: dict[str, Callable[[], None]] = {}
_pending: set[asyncio.Task[None]] = set()


def register(name: str, forget_here: Callable[[], None]) -> None:
    _forgetters[name] = forget_here


def forget_here(names: list[str]) -> None:
    for name in names:
        forgetter = _forgetters.get(name)
        if forgetter is not None:
            forgetter()


async def forget(bus: Bus | None, *names: str) -> None:
    """Empty the named caches here now, and in every process once the bus carries it."""
    forget_here(list(names))
    if bus is None:
        return
    try:
        await bus.publish_caches_changed(list(names), ORIGIN)
    except Exception:  # noqa: BLE001 - the change is made; other processes catch up by TTL
        log.exception("announcing stale caches %s failed", names)


def forget_soon(bus: Bus | None, *names: str) -> None:
    """``forget`` for synchronous callers: local at once, the announcement in a task."""
    forget_here(list(names))
    if bus is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # no loop, no bus
    task = loop.create_task(_announce(bus, list(names)))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _announce(bus: Bus, names: list[str]) -> None:
    try:
        await bus.publish_caches_changed(names, ORIGIN)
    except Exception:  # noqa: BLE001
        log.exception("announcing stale caches %s failed", names)


class CacheListener(Follower):
    """Follows the bus's cache announcements for as long as the runtime runs."""

    task_name = "qiyou-cache-listener"

    def __init__(self, bus: Bus) -> None:
        super().__init__()
        self.bus = bus

    def subscription(self) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        return self.bus.subscribe_caches()

    async def handle(self, event: dict[str, Any]) -> None:
        if event.get("kind") != CACHES_CHANGED or event.get("origin") == ORIGIN:
            return
        try:
            forget_here([str(name) for name in event.get("names", [])])
        except Exception:  # noqa: BLE001 - one bad forgetter must not stop the listener
            log.exception("forgetting stale caches failed")
