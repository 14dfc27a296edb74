"""The open GraphQL websockets of this process, by member, closed when their session is revoked.

Revoking sessions (logout, a password change, an admin's reset, disable or delete) is
announced on the event bus (``mailcore.events.publish_sessions_revoked``); every process
follows that channel from start-up (``follow_revocations``) and closes its matching sockets.
The sockets themselves (``api.graphql.SessionSocket``) also re-check their session at each
operation and push, so a lost event cannot leave one usable.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any, Protocol

from mailcore import events

log = logging.getLogger(__name__)


class RevocableSocket(Protocol):
    @property
    def member_id(self) -> int: ...

    @property
    def session_id(self) -> int: ...

    async def revoke(self, reason: str) -> None: ...


_open: dict[int, set[RevocableSocket]] = {}  # member id -> their open sockets


def add(socket: RevocableSocket) -> None:
    _open.setdefault(socket.member_id, set()).add(socket)


def discard(socket: RevocableSocket) -> None:
    sockets = _open.get(socket.member_id)
    if sockets is not None:
        sockets.discard(socket)
        if not sockets:
            del _open[socket.member_id]


def matching(member_id: int, session_id: int | None, keep: int | None) -> list[RevocableSocket]:
    """The open sockets of a member's ``session_id``, or of all their sessions but ``keep``."""
    return [
        socket
        for socket in _open.get(member_id, ())
        if (session_id is None or socket.session_id == session_id) and socket.session_id != keep
    ]


async def close_revoked(event: dict[str, Any]) -> int:
    """Close the sockets a revocation event names; how many."""
    sockets = matching(event["member_id"], event.get("session_id"), event.get("keep"))
    await asyncio.gather(*(socket.revoke("the session was signed out") for socket in sockets))
    return len(sockets)


class RevocationListener:
    """Follows the bus's session revocations for as long as the app runs."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Subscribe, and return once the subscription exists (no revocation is missed after)."""
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._follow(ready), name="qiyou-session-revocations")
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({self._task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if self._task.done():
            self._task.result()  # raises why it could not subscribe

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _follow(self, ready: asyncio.Event) -> None:
        async with events.subscribe_sessions() as stream:
            ready.set()
            async for event in stream:
                if event.get("kind") != events.SESSIONS_REVOKED:
                    continue
                try:
                    await close_revoked(event)
                except Exception:  # one bad event or socket must not stop the listener
                    log.exception("closing the sockets of revoked sessions failed")
