"""A short-lived answer cache in front of a resolver, for the mail path.

Every inbound message asks the same few names (the sender domain's SPF and DMARC records,
DKIM keys); a caching recursive resolver answers them fast, but each lookup still costs a
round trip and its parsing on our event loop. ``CachingResolver`` keeps answers (empty ones
too) for ``ttl`` seconds; failures (timeouts, SERVFAIL) are never cached. Domain
verification in the admin console uses the plain resolver, so it always sees fresh records.
"""

from __future__ import annotations

import time
from typing import Any

from mailcore.dns import Resolver

MAX_ENTRIES = 10_000


class CachingResolver:
    def __init__(self, inner: Resolver, ttl: float) -> None:
        self.inner = inner
        self.ttl = ttl
        self._answers: dict[tuple[str, str], tuple[float, Any]] = {}

    async def _cached(self, kind: str, name: str) -> Any:
        key = (kind, name.strip().rstrip(".").lower())
        now = time.monotonic()
        hit = self._answers.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        answer = await getattr(self.inner, kind)(name)
        if self.ttl > 0:
            if len(self._answers) >= MAX_ENTRIES:
                self._answers.clear()
            self._answers[key] = (now + self.ttl, answer)
        return answer

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
