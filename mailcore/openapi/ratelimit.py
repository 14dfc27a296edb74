"""Token buckets, one per key (a client IP, an enterprise): in memory, or in Redis for all nodes.

``RateLimiter`` keeps its buckets in this process. ``SharedRateLimiter`` keeps them in Redis
when ``BROADCAST_URL`` is a Redis URL, so every ``qiyou serve`` on that Redis draws on the
same buckets: one Lua script refills and takes a token atomically (Redis's clock, so the
nodes' clocks do not matter), a key lives until its bucket would be full again. Keys are
``<QIYOU_CHANNEL_PREFIX>:ratelimit:<name>:<key>``. A Redis error never refuses or fails a
request: the call is counted by the local bucket instead (logged once until Redis answers
again; Redis is asked again ``RETRY_SECONDS`` after a failure, so a hung Redis costs one
timeout per interval, not one per request).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_KEYS = 100_000
REDIS_TIMEOUT = 0.5  # seconds for one Redis call before the local bucket decides
RETRY_SECONDS = 5.0  # after a Redis failure, the local buckets decide this long

# KEYS[1] the bucket; ARGV[1] capacity, ARGV[2] tokens per millisecond. Returns 1 or 0.
TAKE_TOKEN = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
local bucket = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(bucket[1])
local updated = tonumber(bucket[2])
if tokens == nil or updated == nil then
  tokens = capacity
  updated = now
end
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return allowed
"""


def uses_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://"))


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``per_minute`` requests per key, with bursts up to ``per_minute``."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(max(1, per_minute))
        self.rate = self.capacity / 60.0
        self._buckets: dict[object, _Bucket] = {}

    def allow(self, key: object) -> bool:
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely (they behave like new ones)."""
        full = [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_KEYS:
            self._buckets.clear()


class RedisBuckets:
    """One process's Redis connection pool for the shared buckets (made on first use)."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = f"{prefix}:ratelimit"
        self._client: Any = None
        self._script: Any = None
        self.failing = False  # the last call failed (logged once until one succeeds)
        self.retry_at = 0.0  # while failing: monotonic time Redis is asked again

    async def take(self, name: str, key: object, capacity: float, per_ms: float) -> bool:
        if self._client is None:
            from redis import asyncio as redis

            self._client = redis.Redis.from_url(
                self.url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
            )
            self._script = self._client.register_script(TAKE_TOKEN)
        bucket = f"{self.prefix}:{name}:{key}"
        return bool(await self._script(keys=[bucket], args=[capacity, repr(per_ms)]))

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class SharedRateLimiter:
    """``per_minute`` requests per key over every node sharing ``buckets`` (Redis); the
    local ``RateLimiter`` when there is no Redis, or while it fails."""

    def __init__(self, name: str, per_minute: int, buckets: RedisBuckets | None) -> None:
        self.name = name
        self.local = RateLimiter(per_minute)
        self.buckets = buckets

    async def allow(self, key: object) -> bool:
        buckets = self.buckets
        if buckets is None or buckets.failing and time.monotonic() < buckets.retry_at:
            return self.local.allow(key)
        try:
            allowed = await buckets.take(
                self.name, key, self.local.capacity, self.local.rate / 1000.0
            )
        except Exception as exc:  # noqa: BLE001 - any Redis trouble: count locally
            buckets.retry_at = time.monotonic() + RETRY_SECONDS
            if not buckets.failing:
                buckets.failing = True
                log.warning("rate limits: Redis failed (%s); counting in this process", exc)
            return self.local.allow(key)
        if buckets.failing:
            buckets.failing = False
            log.warning("rate limits: Redis answers again; counting in Redis")
        return allowed
