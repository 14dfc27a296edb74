"""A Redis pub/sub backend for broadcaster that does not lose the first subscription.

broadcaster 0.3.1's own Redis backend signals its listener before SUBSCRIBE is sent, so the
listener can find no channels, stop listening, and miss every message until the next new
channel (encode/broadcaster#133 fixed only part of it). Here the listener is woken only after
the subscription exists, polls with a timeout, and survives connection errors (redis-py
reconnects and re-subscribes the channels it holds).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from broadcaster import Event
from broadcaster._backends.base import BroadcastBackend
from redis import asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0


class RedisBackend(BroadcastBackend):
    def __init__(self, url: str) -> None:
        self._conn = redis.Redis.from_url(url)
        self._pubsub = self._conn.pubsub(ignore_subscribe_messages=True)
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._ready = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self._conn.ping()  # fail at start-up, not at the first message
        self._listener = asyncio.create_task(self._listen(), name="qiyou-redis-pubsub")

    async def disconnect(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
        await self._pubsub.aclose()
        await self._conn.aclose()

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        self._ready.set()

    async def unsubscribe(self, channel: str) -> None:
        await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        await self._conn.publish(channel, message)

    async def publish_many(self, messages: list[tuple[str, str]]) -> None:
        """Several PUBLISH commands in one round trip (a pipeline, not a transaction)."""
        async with self._conn.pipeline(transaction=False) as pipe:
            for channel, message in messages:
                pipe.publish(channel, message)
            await pipe.execute()

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _listen(self) -> None:
        while True:
            await self._ready.wait()
            if not self._pubsub.subscribed:
                self._ready.clear()
                continue
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=POLL_SECONDS
                )
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning("redis pub/sub connection lost (%s); retrying", exc)
                await asyncio.sleep(POLL_SECONDS)
                continue
            if message and message["type"] == "message":
                await self._queue.put(
                    Event(channel=message["channel"].decode(), message=message["data"].decode())
                )
