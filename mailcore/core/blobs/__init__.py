"""Blob storage behind one small interface: content-addressed, write-once, durable on return."""

from __future__ import annotations

import hashlib
from typing import Protocol


def blob_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    async def put(self, data: bytes) -> str:
        """Store ``data`` durably (on stable storage when this returns); return its key."""

    async def put_many(self, datas: list[bytes]) -> list[str]:
        """``put`` for several blobs at once (one sync for all where the store can)."""

    async def get(self, key: str) -> bytes: ...

    async def get_many(self, keys: list[str]) -> list[bytes]:
        """``get`` for several blobs at once (one hand-off to a thread for all, locally)."""

    async def delete(self, key: str) -> None: ...

    async def exists(self, key: str) -> bool: ...


def open_blob_store(url_or_path: str) -> BlobStore:
    """Choose a backend by URL; a plain path (or ``file://``) is the local store."""
    from mailcore.core.blobs.local import LocalBlobStore

    return LocalBlobStore(url_or_path.removeprefix("file://"))
