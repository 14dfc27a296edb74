"""broadcaster's ``Broadcast`` with a subscribe that is safe when subscriptions race.

broadcaster 0.3.1 checks whether a channel has subscribers, awaits the backend's SUBSCRIBE,
then replaces the channel's subscriber set: two subscriptions to one channel arriving
together (a member's devices reconnecting after a restart) overwrite each other, and one of
them never receives anything. Here a lock per channel orders subscribe and unsubscribe, and
the set is only ever added to or removed from. ``publish_many`` sends several messages in one
go (one Redis round trip for a mail to many members).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from broadcaster import Broadcast
from broadcaster._base import Event, Subscriber


class SafeBroadcast(Broadcast):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - as Broadcast
        super().__init__(*args, **kwargs)
        self._locks: dict[str, asyncio.Lock] = {}

    async def publish_many(self, messages: list[tuple[str, str]]) -> None:
        """Publish ``(channel, message)`` pairs in order."""
        many = getattr(self._backend, "publish_many", None)
        if many is not None:
            await many(messages)
            return
        for channel, message in messages:
            await self._backend.publish(channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscriber]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            subscribers = self._subscribers.get(channel)
            if subscribers:
                subscribers.add(queue)
            else:
                self._subscribers[channel] = {queue}
                await self._backend.subscribe(channel)
        try:
            yield Subscriber(queue)
        finally:
            async with lock:
                subscribers = self._subscribers.get(channel)
                if subscribers is not None:
                    subscribers.discard(queue)
                    if not subscribers:
                        del self._subscribers[channel]
                        await self._backend.unsubscribe(channel)
            await queue.put(None)
