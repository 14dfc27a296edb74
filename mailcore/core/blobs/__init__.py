"""Blob storage behind one small interface: content-addressed, write-once, durable on return.

Two backends, chosen by URL (docs/blobs.md): files under a directory (``file:///path`` or a
plain path, the default: the data dir's ``blobs/``) and an S3-compatible object store
(``s3://bucket?endpoint=...``). A key is the SHA-256 hex of the content. A missing blob is
``BlobNotFound`` from every backend. Unreferenced blobs are moved to a trash by the garbage
collector (``mailcore.core.blobs.gc``); reading a key that sits in the trash restores it.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol

CHUNK_SIZE = 1024 * 1024  # bytes per chunk of open_read / the local put_stream
_KEY = re.compile(r"[0-9a-f]{64}")


class BlobNotFound(FileNotFoundError):
    """No blob has this key (it never existed, or it was collected). The message names the key
    only, never where the store keeps it."""

    def __init__(self, key: str) -> None:
        super().__init__(f"blob {key} not found")
        self.key = key

    def __str__(self) -> str:
        return str(self.args[0])


def blob_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    """``key`` if it is a blob key (64 lowercase hex digits); ValueError otherwise."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class BlobStore(Protocol):
    async def put(self, data: bytes) -> str:
        """Store ``data`` durably (on stable storage when this returns); return its key. A blob
        that exists already is written or touched again, so its modification time is fresh
        (the garbage collector leaves young blobs alone)."""

    async def put_many(self, datas: list[bytes]) -> list[str]:
        """``put`` for several blobs at once (one sync for all locally, concurrent uploads
        on S3)."""

    async def put_stream(self, chunks: AsyncIterable[bytes]) -> tuple[str, int]:
        """Store a stream of any length in constant memory; return its key and size."""

    async def get(self, key: str) -> bytes:
        """The blob's bytes; ``BlobNotFound`` when there is none."""

    async def get_many(self, keys: list[str]) -> list[bytes]:
        """``get`` for several blobs at once."""

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes ``start`` to ``end`` (exclusive; None = the end) in chunks, in constant
        memory; ``BlobNotFound`` (on the first iteration) when there is no such blob."""

    async def size(self, key: str) -> int:
        """The blob's length in bytes; ``BlobNotFound`` when there is none."""

    async def delete(self, key: str) -> None: ...

    async def exists(self, key: str) -> bool: ...

    async def close(self) -> None:
        """Release connections (S3); the store is not used afterwards."""

    # The garbage collector's side (mailcore/core/blobs/gc.py).
    def stale(self, before: float) -> AsyncIterator[list[str]]:
        """Batches of the keys of blobs last written or touched before ``before`` (epoch s)."""

    async def trash(self, key: str, before: float) -> bool:
        """Move a blob to the trash if it is still older than ``before``; whether it moved."""

    def trashed(self, before: float) -> AsyncIterator[list[str]]:
        """Batches of the keys of trash entries put there before ``before``."""

    async def restore(self, key: str) -> bool:
        """Move a trash entry back (a blob written meanwhile wins); whether one was there."""

    async def purge(self, key: str) -> None:
        """Delete a trash entry for good."""


def open_blob_store(url_or_path: str) -> BlobStore:
    """Choose a backend by URL: ``s3://`` is the S3 store; a plain path or ``file://`` the
    local one. Anything else is a ValueError naming the accepted forms."""
    if url_or_path.startswith("s3://"):
        from mailcore.core.blobs.s3 import S3BlobStore

        return S3BlobStore.from_url(url_or_path)
    if "://" in url_or_path and not url_or_path.startswith("file://"):
        scheme = url_or_path.split("://", 1)[0]
        raise ValueError(f"blob store URL scheme {scheme!r}: use file:///path or s3://bucket?...")
    from mailcore.core.blobs.local import LocalBlobStore

    return LocalBlobStore(url_or_path.removeprefix("file://"))


async def unreachable(url_or_path: str, timeout: float = 20.0) -> str | None:
    """Why the blob store cannot be used now (None: it answers), checked once before a
    server starts: an S3 endpoint that does not answer, a bucket that does not exist,
    credentials refused. (A local store's directory is the data dir's, checked with it.)"""
    if not url_or_path.startswith("s3://"):
        return None
    from mailcore.core.blobs.s3 import S3BlobStore

    store = S3BlobStore.from_url(url_or_path)
    store.attempts = 2  # say what the first tries met, not what long retry backoffs hid
    try:
        await asyncio.wait_for(store.exists("0" * 64), timeout)
    except TimeoutError:
        return f"no answer within {timeout:.0f} s"
    except Exception as exc:  # noqa: BLE001 - botocore's errors: say what it said
        return str(exc) or type(exc).__name__
    finally:
        await store.close()
    return None
