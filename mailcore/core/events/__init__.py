"""Domain events over broadcaster: one channel per member (and one per enterprise), JSON messages.

mailcore publishes here after a change is committed; GraphQL subscriptions (and later
webhooks) consume. The runtime owns the one ``Bus`` of a process (``runtime.bus``) and hands
it to the code that publishes or subscribes; without a connected bus (``None``, e.g. a CLI
command, or a runtime not started) publishing does nothing.
One more channel, followed by every process, says which login sessions were revoked, so each
node closes the websockets they hold open; one more says which per-process caches a change
made stale (``mailcore.core.caches``); and one wakes the outbox workers of other processes.
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
CALENDAR_REMINDER = "calendar_reminder"
SESSIONS_REVOKED = "sessions_revoked"
CACHES_CHANGED = "caches_changed"
OUTBOX_JOBS = "outbox_jobs"


def _broadcast(url: str) -> Broadcast:
    from mailcore.core.events.bus import SafeBroadcast

    if url.startswith(("redis://", "rediss://")):
        from mailcore.core.events.redis import RedisBackend

        return SafeBroadcast(backend=RedisBackend(url))
    return SafeBroadcast(url)


def _encode(kind: str, payload: dict[str, Any]) -> str:
    """One event as sent on the bus: a JSON object with its ``kind``."""
    return json.dumps({"kind": kind, **payload})


@lru_cache(maxsize=1024)  # a fan-out to many members interleaves their events
def _decode_shared(message: str) -> dict[str, Any]:
    """One decoded dict per event message for all its subscribers (read-only for them)."""
    return json.loads(message)


class Bus:
    """A process's event bus: the broadcaster at ``url`` once connected, and the ``prefix``
    that starts every channel name (deployments sharing a Redis). Until ``connect`` (and
    after ``disconnect``) publishing does nothing and subscribing raises."""

    def __init__(self, url: str = "memory://", prefix: str = "qiyou") -> None:
        self.url = url
        self.prefix = prefix
        self._broadcast: Broadcast | None = None

    async def connect(self) -> None:
        broadcast = _broadcast(self.url)
        await broadcast.connect()
        self._broadcast = broadcast

    async def disconnect(self) -> None:
        broadcast, self._broadcast = self._broadcast, None
        if broadcast is not None:
            await broadcast.disconnect()

    @property
    def connected(self) -> bool:
        return self._broadcast is not None

    # --- channels ------------------------------------------------------------------------

    def member_channel(self, member_id: int) -> str:
        return f"{self.prefix}.member.{member_id}"

    def enterprise_channel(self, enterprise_id: int) -> str:
        """One channel per enterprise: one event reaches every subscriber, who filters locally."""
        return f"{self.prefix}.enterprise.{enterprise_id}"

    def sessions_channel(self) -> str:
        """The one channel of session revocations, which every process follows."""
        return f"{self.prefix}.sessions"

    def caches_channel(self) -> str:
        """The one channel of per-process caches to forget (``mailcore.core.caches``), which
        every process follows."""
        return f"{self.prefix}.caches"

    def outbox_channel(self) -> str:
        """The one channel saying "outbox jobs were committed", which worker processes follow
        (a wake-up only: workers also poll the outbox)."""
        return f"{self.prefix}.outbox"

    # --- publishing and subscribing ------------------------------------------------------

    async def _publish(self, channel: str, kind: str, payload: dict[str, Any]) -> None:
        if self._broadcast is not None:
            await self._broadcast.publish(channel, _encode(kind, payload))

    @asynccontextmanager
    async def _subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Yield an async iterator of a channel's decoded events, once the subscription exists."""
        if self._broadcast is None:
            raise RuntimeError("the event bus is not connected")
        async with self._broadcast.subscribe(channel) as subscriber:

            async def events() -> AsyncIterator[dict[str, Any]]:
                async for event in subscriber:
                    if event is None:
                        return
                    yield _decode_shared(event.message)

            yield events()

    async def publish(self, member_id: int, kind: str, **payload: Any) -> None:
        await self._publish(self.member_channel(member_id), kind, payload)

    async def publish_many(self, events: list[tuple[int, str, dict[str, Any]]]) -> None:
        """Publish ``(member id, kind, payload)`` events in order, together (one Redis round
        trip)."""
        if self._broadcast is not None and events:
            await self._broadcast.publish_many(
                [
                    (self.member_channel(member_id), _encode(kind, payload))
                    for member_id, kind, payload in events
                ]
            )

    def subscribe(
        self, member_id: int
    ) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        """Yield an async iterator of the member's events (dicts with a ``kind``); the sessions
        of one member share each decoded event, which they must not change."""
        return self._subscribe(self.member_channel(member_id))

    async def publish_enterprise(self, enterprise_id: int, kind: str, **payload: Any) -> None:
        await self._publish(self.enterprise_channel(enterprise_id), kind, payload)

    def subscribe_enterprise(
        self, enterprise_id: int
    ) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        """Yield an async iterator of the enterprise's events; every subscriber of one event
        gets the same decoded dict (decoded once), which it must not change."""
        return self._subscribe(self.enterprise_channel(enterprise_id))

    async def publish_sessions_revoked(
        self, member_id: int, *, session_id: int | None = None, keep_session_id: int | None = None
    ) -> None:
        """Tell every process that a member's sessions were revoked: the one ``session_id``, or
        all of them but ``keep_session_id``."""
        payload = {"member_id": member_id, "session_id": session_id, "keep": keep_session_id}
        await self._publish(self.sessions_channel(), SESSIONS_REVOKED, payload)

    def subscribe_sessions(self) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        """Yield an async iterator of session revocations (``member_id``, ``session_id``,
        ``keep``), once the subscription exists."""
        return self._subscribe(self.sessions_channel())

    async def publish_caches_changed(self, names: list[str], origin: str) -> None:
        """Tell every process to forget the named caches (``origin``: the process that did)."""
        payload = {"names": names, "origin": origin}
        await self._publish(self.caches_channel(), CACHES_CHANGED, payload)

    def subscribe_caches(self) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        """Yield an async iterator of cache invalidations (``names``, ``origin``), once the
        subscription exists."""
        return self._subscribe(self.caches_channel())

    async def publish_outbox_jobs(self, origin: str) -> None:
        """Wake the outbox workers of other processes (``origin``: the process that committed)."""
        await self._publish(self.outbox_channel(), OUTBOX_JOBS, {"origin": origin})

    def subscribe_outbox(self) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        """Yield an async iterator of outbox wake-ups once the subscription exists."""
        return self._subscribe(self.outbox_channel())
