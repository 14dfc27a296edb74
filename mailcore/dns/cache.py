"""A short-lived answer cache in front of a resolver, for the mail path.

Every inbound message asks the same few names (the sender domain's SPF and DMARC records,
DKIM keys); a caching recursive resolver answers them fast, but each lookup still costs a
round trip and its parsing on our event loop. ``CachingResolver`` keeps answers (empty ones
too) for ``ttl`` seconds; failures (timeouts, SERVFAIL) are never cached. What is computed
from the answers alone (``derived``: an SPF result for an IP, sender and HELO) is kept as
long, so a sender's every message does not redo the evaluation. Domain
verification in the admin console uses the plain resolver, so it always sees fresh records.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from mailcore.dns import Resolver

MAX_ENTRIES = 10_000
T = TypeVar("T")


class CachingResolver:
    def __init__(self, inner: Resolver, ttl: float) -> None:
        self.inner = inner
        self.ttl = ttl
        self._answers: dict[Hashable, tuple[float, Any]] = {}

    async def _cached(self, kind: str, name: str) -> Any:
        key = (kind, name.strip().rstrip(".").lower())
        return await self._remembered(key, lambda: getattr(self.inner, kind)(name))

    async def derived(
        self, key: Hashable, compute: Callable[[], Awaitable[T]], keep: Callable[[T], bool]
    ) -> T:
        """``compute()``'s result, kept for ``ttl`` when ``keep(result)`` (not a failure)."""
        return await self._remembered(("derived", key), compute, keep)

    async def _remembered(
        self,
        key: Hashable,
        compute: Callable[[], Awaitable[Any]],
        keep: Callable[[Any], bool] = lambda _: True,
    ) -> Any:
        now = time.monotonic()
        hit = self._answers.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await compute()
        if self.ttl > 0 and keep(value):
            if len(self._answers) >= MAX_ENTRIES:
                self._answers.clear()
            self._answers[key] = (now + self.ttl, value)
        return value

    async def txt(self, name: str) -> Any:
        return await self._cached("txt", name)

    async def mx(self, name: str) -> Any:
        return await self._cached("mx", name)

    async def cname(self, name: str) -> Any:
        return await self._cached("cname", name)

    async def a(self, name: str) -> Any:
        return await self._cached("a", name)

    async def aaaa(self, name: str) -> Any:
        return await self._cached("aaaa", name)

    async def srv(self, name: str) -> Any:
        return await self._cached("srv", name)
