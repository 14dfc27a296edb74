"""Domain events over broadcaster: one channel per member (and one per enterprise), JSON messages.

mailcore publishes here after a change is committed; GraphQL subscriptions (and later
webhooks) consume. Without a connected bus (e.g. a CLI command) publishing does nothing.
One more channel, followed by every process, says which login sessions were revoked, so each
node closes the websockets they hold open; and one more says which per-process caches a
change made stale (``mailcore.core.caches``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from typing import Any

from broadcaster import Broadcast

NEW_MAIL = "new_mail"
MAILBOX_CHANGED = "mailbox_changed"
NOTICE_POSTED = "notice_posted"
SESSIONS_REVOKED = "sessions_revoked"
CACHES_CHANGED = "caches_changed"
OUTBOX_JOBS = "outbox_jobs"

_bus: Broadcast | None = None
_prefix = "qiyou"


def member_channel(member_id: int) -> str:
    return f"{_prefix}.member.{member_id}"


def enterprise_channel(enterprise_id: int) -> str:
    """One channel per enterprise: one event reaches every subscriber, who filters locally."""
    return f"{_prefix}.enterprise.{enterprise_id}"


def sessions_channel() -> str:
    """The one channel of session revocations, which every process follows."""
    return f"{_prefix}.sessions"


def caches_channel() -> str:
    """The one channel of per-process caches to forget (``mailcore.core.caches``), which
    every process follows."""
    return f"{_prefix}.caches"


def outbox_channel() -> str:
    """The one channel saying "outbox jobs were committed", which worker processes follow
    (a wake-up only: workers also poll the outbox)."""
    return f"{_prefix}.outbox"


def _broadcast(url: str) -> Broadcast:
    from mailcore.core.events.bus import SafeBroadcast

    if url.startswith(("redis://", "rediss://")):
        from mailcore.core.events.redis import RedisBackend

        return SafeBroadcast(backend=RedisBackend(url))
    return SafeBroadcast(url)


async def connect(url: str, prefix: str = "qiyou") -> None:
    """Connect the bus; ``prefix`` starts every channel name (deployments sharing a Redis)."""
    global _bus, _prefix
    _prefix = prefix
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


def _encode(kind: str, payload: dict[str, Any]) -> str:
    """One event as sent on the bus: a JSON object with its ``kind``."""
    return json.dumps({"kind": kind, **payload})


async def publish(member_id: int, kind: str, **payload: Any) -> None:
    if _bus is not None:
        await _bus.publish(member_channel(member_id), _encode(kind, payload))


async def publish_many(events: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Publish ``(member id, kind, payload)`` events in order, together (one Redis round trip)."""
    if _bus is not None and events:
        await _bus.publish_many(
            [
                (member_channel(member_id), _encode(kind, payload))
                for member_id, kind, payload in events
            ]
        )


@lru_cache(maxsize=1024)  # a fan-out to many members interleaves their events
def _decode_shared(message: str) -> dict[str, Any]:
    """One decoded dict per event message for all its subscribers (read-only for them)."""
    return json.loads(message)


@asynccontextmanager
async def _subscribe(channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """Yield an async iterator of a channel's decoded events, once the subscription exists."""
    if _bus is None:
        raise RuntimeError("the event bus is not connected")
    async with _bus.subscribe(channel) as subscriber:

        async def events() -> AsyncIterator[dict[str, Any]]:
            async for event in subscriber:
                if event is None:
                    return
                yield _decode_shared(event.message)

        yield events()


def subscribe(member_id: int) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
    """Yield an async iterator of the member's events (dicts with a ``kind``); the sessions of
    one member share each decoded event, which they must not change."""
    return _subscribe(member_channel(member_id))


async def publish_enterprise(enterprise_id: int, kind: str, **payload: Any) -> None:
    if _bus is not None:
        await _bus.publish(enterprise_channel(enterprise_id), _encode(kind, payload))


def subscribe_enterprise(
    enterprise_id: int,
) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
    """Yield an async iterator of the enterprise's events; every subscriber of one event gets
    the same decoded dict (decoded once), which it must not change."""
    return _subscribe(enterprise_channel(enterprise_id))


async def publish_sessions_revoked(
    member_id: int, *, session_id: int | None = None, keep_session_id: int | None = None
) -> None:
    """Tell every process that a member's sessions were revoked: the one ``session_id``, or
    all of them but ``keep_session_id``."""
    if _bus is not None:
        payload = {"member_id": member_id, "session_id": session_id, "keep": keep_session_id}
        await _bus.publish(sessions_channel(), _encode(SESSIONS_REVOKED, payload))


def subscribe_sessions() -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
    """Yield an async iterator of session revocations (``member_id``, ``session_id``, ``keep``),
    once the subscription exists."""
    return _subscribe(sessions_channel())


async def publish_caches_changed(names: list[str], origin: str) -> None:
    """Tell every process to forget the named caches (``origin``: the process that did)."""
    if _bus is not None:
        payload = {"names": names, "origin": origin}
        await _bus.publish(caches_channel(), _encode(CACHES_CHANGED, payload))


def subscribe_caches() -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
    """Yield an async iterator of cache invalidations (``names``, ``origin``), once the
    subscription exists."""
    return _subscribe(caches_channel())


async def publish_outbox_jobs(origin: str) -> None:
    """Wake the outbox workers of other processes (``origin``: the process that committed)."""
    if _bus is not None:
        await _bus.publish(outbox_channel(), _encode(OUTBOX_JOBS, {"origin": origin}))


def subscribe_outbox() -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
    """Yield an async iterator of outbox wake-ups once the subscription exists."""
    return _subscribe(outbox_channel())
