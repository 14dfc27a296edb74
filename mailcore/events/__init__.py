"""Domain events over broadcaster: one channel per member, JSON messages.

mailcore publishes here after a change is committed; GraphQL subscriptions (and later
webhooks) consume. Without a connected bus (e.g. a CLI command) publishing does nothing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from broadcaster import Broadcast

NEW_MAIL = "new_mail"
MAILBOX_CHANGED = "mailbox_changed"

_bus: Broadcast | None = None


def member_channel(member_id: int) -> str:
    return f"qiyou.member.{member_id}"


def _broadcast(url: str) -> Broadcast:
    if url.startswith(("redis://", "rediss://")):
        from mailcore.events.redis import RedisBackend

        return Broadcast(backend=RedisBackend(url))
    return Broadcast(url)


async def connect(url: str) -> None:
    global _bus
    bus = _broadcast(url)
    await bus.connect()
    _bus = bus


async def disconnect() -> None:
    global _bus
    bus, _bus = _bus, None
    if bus is not None:
        await bus.disconnect()


def is_connected() -> bool:
    return _bus is not None


async def publish(member_id: int, kind: str, **payload: Any) -> None:
    if _bus is not None:
        await _bus.publish(member_channel(member_id), json.dumps({"kind": kind, **payload}))


@asynccontextmanager
async def subscribe(member_id: int) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """Yield an async iterator of the member's events (dicts with a ``kind``)."""
    if _bus is None:
        raise RuntimeError("the event bus is not connected")
    async with _bus.subscribe(member_channel(member_id)) as subscriber:

        async def events() -> AsyncIterator[dict[str, Any]]:
            async for event in subscriber:
                if event is None:
                    return
                yield json.loads(event.message)

        yield events()
