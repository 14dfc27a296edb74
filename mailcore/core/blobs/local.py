"""Local content-addressed blob files under the data dir, fsynced before ``put`` returns.

A file is written under a temporary name, fsynced, renamed to its key, and its directory
fsynced. ``put_many`` stores a group of blobs (the ingest group commit) in one thread call:
on Linux all files are written, one syncfs(2) makes them durable, they are renamed, and a
second syncfs makes the names durable. Each fsync forces a journal commit of the file
system and under load they queue behind each other, so a group costs two commits instead
of two per blob. syncfs flushes whatever else is dirty on that file system too.

A blob that exists already is touched (``os.utime``) instead, so the garbage collector sees
it young. The collector moves unreferenced blobs to ``trash/`` (same fan-out), renamed, so a
reader of a key found only there moves it back first. ``put_stream`` writes under ``tmp/``.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import hashlib
import os
import sys
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

from mailcore.core.blobs import CHUNK_SIZE, BlobNotFound, blob_key, check_key

T = TypeVar("T")
BATCH = 500  # keys per batch of stale / trashed

_libc = (
    ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform == "linux" else None
)


class LocalBlobStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._syncfs = _libc is not None and hasattr(_libc, "syncfs")

    def path_for(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def trash_path(self, key: str) -> Path:
        check_key(key)
        return self.root / "trash" / key[:2] / key[2:4] / key

    async def put(self, data: bytes) -> str:
        [key] = await self.put_many([data])
        return key

    async def put_many(self, datas: list[bytes]) -> list[str]:
        keys = [blob_key(data) for data in datas]
        await asyncio.to_thread(self._write_many, dict(zip(keys, datas, strict=True)))
        return keys

    def _write_many(self, blobs: dict[str, bytes]) -> None:
        new = []
        for key, data in blobs.items():
            try:
                os.utime(self.path_for(key))  # there already: young again for the collector
            except FileNotFoundError:
                new.append((key, data))
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

    def _found(self, key: str, read: Callable[[Path], T]) -> T:
        """``read(path)`` of a blob; from the trash (moved back) if it is there."""
        path = self.path_for(key)
        try:
            return read(path)
        except FileNotFoundError:
            if not self._restore(key):
                raise BlobNotFound(key) from None
        try:
            return read(path)
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._found, key, Path.read_bytes)

    async def get_many(self, keys: list[str]) -> list[bytes]:
        for key in keys:
            check_key(key)
        return await asyncio.to_thread(lambda: [self._found(key, Path.read_bytes) for key in keys])

    async def size(self, key: str) -> int:
        return await asyncio.to_thread(self._found, key, lambda path: path.stat().st_size)

    async def open_read(
        self, key: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"bad byte range {start}-{end}")
        handle = await asyncio.to_thread(self._found, key, lambda path: open(path, "rb"))  # noqa: SIM115
        try:
            await asyncio.to_thread(handle.seek, start)
            left = None if end is None else end - start
            while left is None or left > 0:
                chunk = await asyncio.to_thread(
                    handle.read, CHUNK_SIZE if left is None else min(CHUNK_SIZE, left)
                )
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def put_stream(self, chunks: AsyncIterable[bytes]) -> tuple[str, int]:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(exist_ok=True)
        tmp = tmp_dir / f"{uuid.uuid4().hex}.tmp"
        digest = hashlib.sha256()
        size = 0
        handle = await asyncio.to_thread(open, tmp, "wb")
        try:
            try:
                async for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(handle.flush)
                await asyncio.to_thread(os.fsync, handle.fileno())
            finally:
                handle.close()
            key = digest.hexdigest()
            await asyncio.to_thread(self._place, tmp, key)
        finally:
            tmp.unlink(missing_ok=True)
        return key, size

    def _place(self, tmp: Path, key: str) -> None:
        """Rename a written, fsynced temporary file to its key (or touch the existing blob)."""
        path = self.path_for(key)
        try:
            os.utime(path)
            return
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, path)
        _fsync_dir(path.parent)

    async def exists(self, key: str) -> bool:
        return self.path_for(key).exists() or await self.restore(key)

    async def close(self) -> None:
        pass

    # The garbage collector's side.
    async def stale(self, before: float) -> AsyncIterator[list[str]]:
        async for batch in self._older(self.root, before, skip={"trash", "tmp"}):
            yield batch

    async def trashed(self, before: float) -> AsyncIterator[list[str]]:
        async for batch in self._older(self.root / "trash", before, skip=set()):
            yield batch

    async def _older(self, top: Path, before: float, skip: set[str]) -> AsyncIterator[list[str]]:
        if not top.is_dir():
            return
        for first in sorted(await asyncio.to_thread(_hex_dirs, top)):
            if first.name in skip:
                continue
            for second in sorted(await asyncio.to_thread(_hex_dirs, first)):
                keys = await asyncio.to_thread(_older_files, second, before)
                for i in range(0, len(keys), BATCH):
                    yield keys[i : i + BATCH]

    async def trash(self, key: str, before: float) -> bool:
        return await asyncio.to_thread(self._trash, key, before)

    def _trash(self, key: str, before: float) -> bool:
        path, trash = self.path_for(key), self.trash_path(key)
        try:
            if path.stat().st_mtime >= before:
                return False  # put (touched) since it was listed
        except FileNotFoundError:
            return False
        trash.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, trash)
        os.utime(trash)  # the trash's clock starts now
        return True

    async def restore(self, key: str) -> bool:
        return await asyncio.to_thread(self._restore, key)

    def _restore(self, key: str) -> bool:
        path, trash = self.path_for(key), self.trash_path(key)
        if not trash.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():  # written again meanwhile: the same bytes
            trash.unlink(missing_ok=True)
            return True
        try:
            os.replace(trash, path)
        except FileNotFoundError:  # restored by another reader just now
            return path.exists()
        os.utime(path)
        _fsync_dir(path.parent)
        return True

    async def purge(self, key: str) -> None:
        self.trash_path(key).unlink(missing_ok=True)

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


def _hex_dirs(parent: Path) -> list[Path]:
    """The two-hex-digit fan-out directories under ``parent``."""
    return [
        Path(e.path)
        for e in os.scandir(parent)
        if e.is_dir() and len(e.name) == 2 and all(c in "0123456789abcdef" for c in e.name)
    ]


def _older_files(directory: Path, before: float) -> list[str]:
    """The keys of the blob files in ``directory`` modified before ``before``."""
    keys = []
    for entry in os.scandir(directory):
        if len(entry.name) == 64 and entry.is_file():
            try:
                if entry.stat().st_mtime < before:
                    keys.append(entry.name)
            except FileNotFoundError:
                continue
    return keys


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
