"""Local content-addressed blob files under the data dir, fsynced before ``put`` returns."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from mailcore.blobs import blob_key


class LocalBlobStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes) -> str:
        key = blob_key(data)
        await asyncio.to_thread(self._write, key, data)
        return key

    def _write(self, key: str, data: bytes) -> None:
        path = self.path_for(key)
        if path.exists():
            return  # content-addressed: the same bytes are already stored
        directory = path.parent
        if not directory.exists():
            directory.mkdir(parents=True, exist_ok=True)
            _fsync_dir(directory.parent)
        tmp = directory / f".{key}.{os.getpid()}.{id(data)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_dir(directory)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self.path_for(key).read_bytes)

    async def exists(self, key: str) -> bool:
        return self.path_for(key).exists()

    async def delete(self, key: str) -> None:
        try:
            self.path_for(key).unlink()
        except FileNotFoundError:
            pass


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
