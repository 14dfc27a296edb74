"""One POP3 session per mailbox at a time, across every process on the database.

RFC 1939 lets a server refuse a second session on a locked maildrop (``-ERR [IN-USE]``,
RFC 2449). The lock must not outlive a process that dies without closing its sessions,
so it is tied to something the system takes away with the process, never to a row:

- PostgreSQL: an advisory lock (namespace ``pop3``, key the member id) held on **one**
  connection of this process for all its sessions. A process that dies loses its
  connection and with it every lock at once. Session locks are re-entrant on one
  connection, so this process also keeps the ids it holds.
- SQLite: ``flock`` on a file per mailbox beside the database (dropped by the kernel when
  the process dies); an in-memory database lives in one process: the set of ids is enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

from tortoise.connection import get_connections

from mailcore.core.locks import dedicated_connection, namespace_key, try_flock

_SPACE = namespace_key("pop3")


class MailboxLocks:
    """The mailboxes this process's POP3 sessions hold."""

    def __init__(self) -> None:
        self._held: dict[int, int | None] = {}  # member id → flock descriptor (SQLite file)
        self._connection: Any = None  # PostgreSQL: the connection holding the locks
        self._mutex = asyncio.Lock()  # one query at a time on that connection

    async def acquire(self, member_id: int) -> bool:
        """Take the member's mailbox; False when another session holds it."""
        async with self._mutex:
            if member_id in self._held:
                return False
            client = get_connections().get("default")
            if client.capabilities.dialect == "postgres":
                connection = await self._pg(client)
                taken = await connection.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)", _SPACE, member_id
                )
                if not taken:
                    if not self._held:
                        await self._disconnect()
                    return False
                self._held[member_id] = None
                return True
            filename = getattr(client, "filename", ":memory:")
            fd = None if filename == ":memory:" else try_flock(_path(filename, member_id))
            if filename != ":memory:" and fd is None:
                return False
            self._held[member_id] = fd
            return True

    async def release(self, member_id: int) -> None:
        async with self._mutex:
            if member_id not in self._held:
                return
            fd = self._held.pop(member_id)
            if fd is not None:
                client = get_connections().get("default")
                _path(getattr(client, "filename", ""), member_id).unlink(missing_ok=True)
                os.close(fd)
            elif self._connection is not None and not self._connection.is_closed():
                with contextlib.suppress(Exception):  # a lost connection holds nothing
                    await self._connection.execute(
                        "SELECT pg_advisory_unlock($1, $2)", _SPACE, member_id
                    )
            if not self._held:
                await self._disconnect()  # no connection kept while no session is open

    async def close(self) -> None:
        for member_id in list(self._held):
            await self.release(member_id)

    async def _disconnect(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    async def _pg(self, client: Any) -> Any:
        """This process's lock connection; a new one takes again what the lost one held."""
        if self._connection is not None and not self._connection.is_closed():
            return self._connection
        self._connection = await dedicated_connection(client)
        for member_id in list(self._held):  # best effort: the sessions are still open
            with contextlib.suppress(Exception):
                await self._connection.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)", _SPACE, member_id
                )
        return self._connection


def _path(database: str, member_id: int) -> Path:
    return Path(f"{database}.pop3-{member_id}.lock")
