"""Local content-addressed blob files under the data dir, fsynced before ``put`` returns.

A file is written under a temporary name, fsynced, renamed to its key, and its directory
fsynced. ``put_many`` stores a group of blobs (the ingest group commit) in one thread call:
on Linux all files are written, one syncfs(2) makes them durable, they are renamed, and a
second syncfs makes the names durable. Each fsync forces a journal commit of the file
system and under load they queue behind each other, so a group costs two commits instead
of two per blob. syncfs flushes whatever else is dirty on that file system too.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import sys
from pathlib import Path

from mailcore.core.blobs import blob_key

_libc = (
    ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform == "linux" else None
)


class LocalBlobStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._syncfs = _libc is not None and hasattr(_libc, "syncfs")

    def path_for(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes) -> str:
        [key] = await self.put_many([data])
        return key

    async def put_many(self, datas: list[bytes]) -> list[str]:
        keys = [blob_key(data) for data in datas]
        await asyncio.to_thread(self._write_many, dict(zip(keys, datas, strict=True)))
        return keys

    def _write_many(self, blobs: dict[str, bytes]) -> None:
        new = [(key, data) for key, data in blobs.items() if not self.path_for(key).exists()]
        # One blob: its own two fsyncs. Several: two syncfs(2) for all of them.
        together = self._syncfs and len(new) > 1
        written: list[tuple[Path, Path]] = []  # (temporary name, final path)
        directories: set[Path] = set()
        try:
            for key, data in new:
                path = self.path_for(key)
                directory = path.parent
                if not directory.exists():
                    directory.mkdir(parents=True, exist_ok=True)
                    directories.add(directory.parent)
                tmp = directory / f".{key}.{os.getpid()}.{id(data)}.tmp"
                written.append((tmp, path))
                _write_file(tmp, data, sync=not together)
            if together:
                self._sync_all()  # the files' contents, before any takes its final name
        except BaseException:
            for tmp, _ in written:
                tmp.unlink(missing_ok=True)
            raise
        for tmp, path in written:
            os.replace(tmp, path)  # content-addressed: a concurrent twin holds the same bytes
            directories.add(path.parent)
        if together:
            self._sync_all()  # the names
            return
        for directory in directories:
            _fsync_dir(directory)

    def _sync_all(self) -> None:
        """One syncfs(2) of the file system holding the store: every dirty file and directory
        on it, with one journal commit instead of one per fsync."""
        fd = os.open(self.root, os.O_RDONLY)
        try:
            if _libc.syncfs(fd) != 0:
                err = ctypes.get_errno()
                raise OSError(err, os.strerror(err), str(self.root))
        finally:
            os.close(fd)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self.path_for(key).read_bytes)

    async def get_many(self, keys: list[str]) -> list[bytes]:
        paths = [self.path_for(key) for key in keys]
        return await asyncio.to_thread(lambda: [path.read_bytes() for path in paths])

    async def exists(self, key: str) -> bool:
        return self.path_for(key).exists()

    async def delete(self, key: str) -> None:
        try:
            self.path_for(key).unlink()
        except FileNotFoundError:
            pass


def _write_file(path: Path, data: bytes, sync: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
