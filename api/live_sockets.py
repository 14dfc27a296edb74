"""The open GraphQL websockets of this process, by member, closed when their session is revoked.

Revoking sessions (logout, a password change, an admin's reset, disable or delete) is
announced on the runtime's event bus (``Bus.publish_sessions_revoked``); every process
follows that channel from start-up (``RevocationListener``) and closes its matching sockets.
A sweeper also re-checks the sessions of all open sockets once a second in one query, and a
socket re-checks its own before each new operation (``api.graphql.SessionSocket``), so a lost
event cannot leave one usable; pushes cost no query.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any, Protocol

from mailcore.core.events import SESSIONS_REVOKED, Bus
from mailcore.org.sessions import live_session_ids

log = logging.getLogger(__name__)


class RevocableSocket(Protocol):
    @property
    def member_id(self) -> int: ...

    @property
    def session_id(self) -> int: ...

    async def revoke(self, reason: str) -> None: ...


SWEEP_SECONDS = 1.0  # every open socket's session is re-checked this often (one query)
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


async def sweep() -> int:
    """Close the open sockets whose session no longer holds (revoked, expired, member disabled
    or deleted), whether or not an event said so: one query for all of them; how many."""
    open_sockets = [socket for sockets in _open.values() for socket in sockets]
    if not open_sockets:
        return 0
    valid = await live_session_ids(socket.session_id for socket in open_sockets)
    ended = [socket for socket in open_sockets if socket.session_id not in valid]
    await asyncio.gather(*(socket.revoke("the session has ended") for socket in ended))
    return len(ended)


async def close_revoked(event: dict[str, Any]) -> int:
    """Close the sockets a revocation event names; how many."""
    sockets = matching(event["member_id"], event.get("session_id"), event.get("keep"))
    await asyncio.gather(*(socket.revoke("the session was signed out") for socket in sockets))
    return len(sockets)


class RevocationListener:
    """Follows the bus's session revocations for as long as the app runs."""

    def __init__(self, bus: Bus, every: float = SWEEP_SECONDS) -> None:
        self.bus = bus
        self.every = every
        self._task: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Subscribe, and return once the subscription exists (no revocation is missed after)."""
        ready = asyncio.Event()
        self._sweeper = asyncio.create_task(self._sweep(), name="qiyou-session-sweeper")
        self._task = asyncio.create_task(self._follow(ready), name="qiyou-session-revocations")
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({self._task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if self._task.done():
            self._task.result()  # raises why it could not subscribe

    async def stop(self) -> None:
        for task in (self._task, self._sweeper):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    async def _sweep(self) -> None:
        """Defence in depth: a revocation whose event was lost (or made in the database by
        hand) still closes its sockets within ``every`` seconds."""
        while True:
            await asyncio.sleep(self.every)
            try:
                await sweep()
            except Exception:  # a database hiccup must not stop the sweeper
                log.exception("re-checking the sessions of open sockets failed")

    async def _follow(self, ready: asyncio.Event) -> None:
        async with self.bus.subscribe_sessions() as stream:
            ready.set()
            async for event in stream:
                if event.get("kind") != SESSIONS_REVOKED:
                    continue
                try:
                    await close_revoked(event)
                except Exception:  # one bad event or socket must not stop the listener
                    log.exception("closing the sockets of revoked sessions failed")
