"""Who has a policy of some kind configured at all: a small per-process cache.

Most mail meets no backup rule, no archive, no personal filter; without this, each policy
would ask the database on every message just to learn that. ``Presence`` keeps the set of
owners (enterprise or member ids) with an enabled row of one kind for ``TTL`` seconds.
Every GraphQL mutation forgets all of them (``forget_everywhere``, called by a schema
extension): in its own process at once and, over the event bus (``mailcore.core.caches``),
in every other one, so a change made through the API applies to the next message whichever
process takes it; a change made without a bus (the CLI) applies within ``TTL`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

from mailcore.core import caches
from mailcore.core.events import Bus

TTL = 5.0
CACHE = "policy-presence"  # its name on the bus

_all: list[Presence] = []


class Presence:
    def __init__(self, load: Callable[[], Awaitable[Iterable[int]]]) -> None:
        self._load = load
        self._owners: frozenset[int] = frozenset()
        self._until = 0.0
        self._generation = 0
        _all.append(self)

    async def owners(self) -> frozenset[int]:
        now = time.monotonic()
        if now >= self._until:
            generation = self._generation
            owners = frozenset(await self._load())
            if generation == self._generation:  # not forgotten while loading: keep it
                self._owners, self._until = owners, now + TTL
            return owners
        return self._owners

    async def any(self) -> bool:
        return bool(await self.owners())

    def forget(self) -> None:
        self._until = 0.0
        self._generation += 1


def _forget_here() -> None:
    for presence in _all:
        presence.forget()


caches.register(CACHE, _forget_here)


def forget_all(bus: Bus | None) -> None:
    """Forget every presence here at once, and in the other processes soon after."""
    caches.forget_soon(bus, CACHE)


async def forget_everywhere(bus: Bus | None) -> None:
    """Forget every presence here, and return once the other processes have been told."""
    await caches.forget(bus, CACHE)
