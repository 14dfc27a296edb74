"""A session to an external or old server that outlives one bad message: the one way the
fetcher (``mailcore/fetch/fetcher.py``) and the migration mover
(``mailcore/migration/mover.py``) talk to it, every blocking call in a thread.

Taking a message can fail in ways that break the session: the server stalls in the middle
of it (the socket timeout from the settings), drops the connection, or announces it larger
than the size limit. Then a new session is opened and the folder selected again; a message
that failed for the connection is tried once more, and if it fails again (or was too big)
it is ``Unfetchable``: the caller records it as refused with the reason and goes on with
the rest. When no new session can be opened the server is down: that ``FetchError`` ends
the run (retried later with a backoff). POP3 message numbers are looked up again by UIDL in
each new session.
"""

from __future__ import annotations

import asyncio
import dataclasses

from mailcore.fetch import remote
from mailcore.fetch.errors import FetchError


class Link:
    def __init__(self, endpoint: remote.Endpoint) -> None:
        self.endpoint = endpoint
        self.session: remote.Session | None = None
        self.folder: str | None = None
        self.writable = False
        self.refs: dict[str, str] = {}  # key -> UID or message number in this session
        self.repeated = 0  # UIDs or UIDLs the last listing repeated (taken once)

    async def open(self) -> None:
        self.session = await remote.open_session(self.endpoint)

    async def _call(self, method: str, *args: object) -> object:
        assert self.session is not None
        return await asyncio.to_thread(remote.call, self.session, method, *args)

    async def folders(self) -> list[remote.RemoteFolder]:
        return await self._call("folders")  # type: ignore[return-value]

    async def messages(self, folder: str, writable: bool) -> list[remote.RemoteMessage]:
        """Select the folder and list it (remembered, to select it again in a new session)."""
        listing: list[remote.RemoteMessage] = await self._call(  # type: ignore[assignment]
            "messages", folder, writable
        )
        self.folder, self.writable = folder, writable
        self.refs = {m.key: m.ref for m in listing}
        self.repeated = self.session.repeated if self.session is not None else 0
        return listing

    async def retrieve(self, message: remote.RemoteMessage) -> bytes | None:
        """The raw message, None when it is gone; ``Unfetchable`` with the reason."""
        for attempt in (1, 2):
            ref = self.refs.get(message.key)
            if ref is None:
                return None
            try:
                found = await self._call("retrieve", dataclasses.replace(message, ref=ref))
            except remote.Unfetchable:
                await self._reopen()
                raise
            except FetchError as exc:
                await self._reopen()  # a FetchError here: the server is down, the run ends
                if attempt == 2:
                    raise remote.Unfetchable(f"{exc.code}: {exc.message}") from None
                continue
            return found  # type: ignore[return-value]
        return None  # not reached

    async def delete(self, folder: str, messages: list[remote.RemoteMessage]) -> None:
        """Delete messages of the folder last listed (by their refs in this session)."""
        current = [
            dataclasses.replace(m, ref=self.refs[m.key]) for m in messages if m.key in self.refs
        ]
        await self._call("delete", folder, current)

    async def _reopen(self) -> None:
        self.abort()
        self.session = None
        await self.open()
        if self.folder is not None:
            listing: list[remote.RemoteMessage] = await self._call(  # type: ignore[assignment]
                "messages", self.folder, self.writable
            )
            self.refs = {m.key: m.ref for m in listing}

    async def close(self) -> None:
        if self.session is not None:
            await asyncio.to_thread(self.session.close)

    def abort(self) -> None:
        """Drop the connection now (also wakes a thread still waiting on the server)."""
        if self.session is not None:
            self.session.abort()
