"""Who has a policy of some kind configured at all: a small per-process cache.

Most mail meets no backup rule, no archive, no personal filter; without this, each policy
would ask the database on every message just to learn that. ``Presence`` keeps the set of
owners (enterprise or member ids) with an enabled row of one kind for ``TTL`` seconds.
Every GraphQL mutation forgets all of them in its process (``forget_all``, called by a
schema extension), so a change made through the API applies to the next message at once;
a change made elsewhere (another API process, the CLI) applies within ``TTL`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

TTL = 5.0

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


def forget_all() -> None:
    for presence in _all:
        presence.forget()
