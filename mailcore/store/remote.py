"""The ingest path of one process, used by the MX processes it starts (``QIYOU_MX_PROCESSES``).

An MX process does the SMTP dialogue, the RCPT lookups, the screening and the parse on a
core of its own, then hands the message to its parent's ingest over a Unix socket in the
data dir (``IngestServer`` there, ``RemoteIngestor`` here) and answers 250 only once the
parent's group commit has stored it: one writer for the database, the blobs, the index and
the pushes, as with the MX in the parent. The parent also tells its MX processes which
caches a change made stale (``mailcore.core.caches``), as the bus tells other nodes.

Frames: a 4-byte big-endian length, then a pickle (both ends are this code, run by the same
user; the socket is the owner's only, mode 0600). A request is ``(number, IngestRequest)``
(``on_commit`` entries must pickle: module-level classes); the answer is ``(number,
"ok", fields of the IngestResult)``, ``(number, "refused", smtp reply)`` or ``(number,
"failed", text)``. When the parent goes away, every message in flight fails (the client is
told 451 and sends again) and the MX process ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from mailcore.core import caches
from mailcore.core.events import Bus
from mailcore.core.mime.types import ParsedMessage
from mailcore.store.registry import Registry
from mailcore.store.request import IngestRequest, IngestResult, PolicyRefusal

log = logging.getLogger(__name__)

_LENGTH = struct.Struct(">I")
FORGET = -1  # the number of a frame that names stale caches, not an answer


def socket_path(data_dir: Path) -> Path:
    """In the data dir; in a private temp dir (0700) where that path is too long for a
    Unix socket (108 bytes on Linux)."""
    path = data_dir.resolve() / "run" / "mx-ingest.sock"
    if len(os.fsencode(path)) < 100:
        return path
    return Path(tempfile.mkdtemp(prefix="qiyou-")) / "mx-ingest.sock"


async def _read_frame(reader: asyncio.StreamReader) -> Any:
    (size,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    return pickle.loads(await reader.readexactly(size))


def _frame(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(payload)) + payload


class IngestServer:
    """In the parent: runs what its MX processes send through ``ingest`` and answers."""

    def __init__(self, ingest: Callable[[IngestRequest], Any], bus: Bus, path: Path) -> None:
        self.ingest = ingest
        self.bus = bus
        self.path = path
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._forwarder: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)  # a previous run's, killed before it removed it
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        finally:
            os.umask(old)
        if self.bus.connected:
            ready = asyncio.Event()
            self._forwarder = asyncio.create_task(self._forward_caches(ready))
            await ready.wait()

    async def wait_for(self, count: int, timeout: float) -> None:
        """Until ``count`` MX processes are connected (each connects before it listens)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self._writers) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"only {len(self._writers)} of {count} MX processes started")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self._forwarder is not None:
            self._forwarder.cancel()
        if self._server is not None:
            self._server.close()
        if self._tasks:  # mail being stored: its answers still go out
            await asyncio.wait(set(self._tasks), timeout=10)
        for task in self._tasks:
            task.cancel()
        for writer in list(self._writers):
            writer.close()
        self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # its folder, if empty now
            self.path.parent.rmdir()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                number, request = await _read_frame(reader)
                task = asyncio.create_task(self._answer(writer, number, request))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the MX process ended
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, writer: asyncio.StreamWriter, number: int, request: Any) -> None:
        try:
            result = await self.ingest(request)
        except PolicyRefusal as exc:
            answer: tuple = (number, "refused", exc.smtp_reply)
        except Exception as exc:  # noqa: BLE001 - told to the MX process, which answers 451
            log.exception("ingest for an MX process failed")
            answer = (number, "failed", str(exc))
        else:
            fields = (result.message_pk, result.sha256, result.entries, result.over_quota)
            answer = (number, "ok", (*fields, result.queued))
        if not writer.is_closing():
            writer.write(_frame(answer))  # the MX process may be gone: the mail is stored

    async def _forward_caches(self, ready: asyncio.Event) -> None:
        async with self.bus.subscribe_caches() as events:
            ready.set()
            async for event in events:
                frame = _frame((FORGET, "forget", [str(n) for n in event.get("names", [])]))
                for writer in list(self._writers):
                    if not writer.is_closing():
                        writer.write(frame)


class RemoteIngestor:
    """In an MX process: ``ingest`` as the parent's, over the socket; ``lost`` is set when
    the parent has gone (the process then ends)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.registry = Registry()  # nothing registered here: the parent runs it all
        self.lost = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._waiting: dict[int, tuple[asyncio.Future[Any], IngestRequest]] = {}
        self._number = 0

    async def connect(self) -> None:
        reader, self._writer = await asyncio.open_unix_connection(self.path)
        self._reader_task = asyncio.create_task(self._read(reader), name="qiyou-remote-ingest")

    async def ingest(self, request: IngestRequest) -> IngestResult:
        if self._writer is None or self.lost.is_set():
            raise ConnectionError("the ingest process is gone")
        self._number += 1
        number = self._number
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[number] = (future, request)
        try:
            self._writer.write(_frame((number, request)))
            await self._writer.drain()
            return await future
        finally:
            self._waiting.pop(number, None)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                number, status, value = await _read_frame(reader)
                if number == FORGET:
                    caches.forget_here(value)
                    continue
                waiting = self._waiting.get(number)
                if waiting is None:
                    continue
                future, request = waiting
                if future.done():
                    continue
                if status == "ok":
                    pk, sha256, entries, over_quota, queued = value
                    parsed = cast(ParsedMessage, request.parsed)  # None: the parent parsed it
                    future.set_result(IngestResult(pk, sha256, parsed, entries, over_quota, queued))
                elif status == "refused":
                    future.set_exception(PolicyRefusal("refused", value, smtp_reply=value))
                else:
                    future.set_exception(RuntimeError(f"ingest failed: {value}"))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.lost.set()
            for future, _ in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("the ingest process is gone"))

    async def close(self) -> None:
        if self._reader_task is not None:
            self._reader_task.cancel()
        if self._writer is not None:
            self._writer.close()
