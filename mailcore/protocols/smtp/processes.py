"""The MX in processes of its own (``QIYOU_MX_PROCESSES``), started and watched by the
process that stores their mail.

Each is ``qiyou serve --roles mx --no-migrate``, with ``QIYOU_INGEST_SOCKET`` naming the
parent's ``IngestServer`` (mailcore/store/remote.py) on SQLite, or committing its own mail
on a database server with a shared bus: they all listen on the MX port with
``SO_REUSEPORT`` (the kernel spreads connections over them) and the parent does not. One
that ends is started again after a second; they get SIGTERM when the parent stops. When it
dies (``PR_SET_PDEATHSIG``) those that hand their mail to it get SIGKILL, since nothing they
hold can be stored any more and their port must be free for the next start, and peers that
commit their own mail get SIGTERM and finish it; they also end when its socket closes.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
import os
import signal
import sys
from pathlib import Path

log = logging.getLogger(__name__)

RESTART_AFTER = 1.0  # seconds before an MX process that ended is started again
_PR_SET_PDEATHSIG = 1


def _die_with_parent(sig: int) -> None:  # in the child, before exec
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
    except (OSError, AttributeError):  # not Linux: the closed socket ends it instead
        pass


class MxProcesses:
    def __init__(self, count: int, ingest_socket: Path | None) -> None:
        self.count = count
        self.ingest_socket = ingest_socket
        self._procs: list[asyncio.subprocess.Process | None] = [None] * count
        self._watchers: list[asyncio.Task[None]] = []
        self._stopping = False

    def command(self) -> list[str]:
        return [sys.executable, "-c", "from api.cli import main; main()"] + [
            "serve",
            "--roles",
            "mx",
            "--no-migrate",
        ]

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "QIYOU_INGEST_SOCKET": str(self.ingest_socket or ""),  # "": they commit themselves
            "QIYOU_MX_REUSE_PORT": "1",
            "QIYOU_MX_PROCESSES": "0",
            "QIYOU_METRICS_PORT": "0",  # one /metrics listener: the parent's
        }

    async def start(self) -> None:
        for index in range(self.count):
            await self._spawn(index)
        self._watchers = [
            asyncio.create_task(self._watch(index), name=f"qiyou-mx-process-{index}")
            for index in range(self.count)
        ]

    async def _spawn(self, index: int) -> None:
        sig = signal.SIGKILL if self.ingest_socket else signal.SIGTERM
        self._procs[index] = await asyncio.create_subprocess_exec(
            *self.command(), env=self.env(), preexec_fn=functools.partial(_die_with_parent, sig)
        )

    async def _watch(self, index: int) -> None:
        while not self._stopping:
            proc = self._procs[index]
            assert proc is not None
            code = await proc.wait()
            if self._stopping:
                return
            log.error(
                "MX process %d (pid %d) ended with %s; starting it again", index, proc.pid, code
            )
            await asyncio.sleep(RESTART_AFTER)
            if not self._stopping:
                await self._spawn(index)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p is not None and p.returncode is None]

    async def stop(self) -> None:
        self._stopping = True
        for task in self._watchers:
            task.cancel()
        procs = [p for p in self._procs if p is not None and p.returncode is None]
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), timeout=15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
