"""A file's content read as one stream: its parts in order, each read through the blob
store's ranged reads, so any byte range of any size costs constant memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from mailcore.core.blobs import BlobStore
from mailcore.core.models import NetdiskPart


async def parts_of(version_id: int) -> list[tuple[int, int, str]]:
    """(start, size, blob key) of a version's parts, in order."""
    return list(
        await NetdiskPart.filter(version_id=version_id)
        .order_by("start")
        .values_list("start", "size", "sha256")
    )


async def read_range(
    blobs: BlobStore, parts: Sequence[tuple[int, int, str]], start: int, end: int
) -> AsyncIterator[bytes]:
    """The bytes ``start`` to ``end`` (exclusive) of the content made of ``parts``."""
    for part_start, size, key in parts:
        part_end = part_start + size
        if part_end <= start or part_start >= end:
            continue
        async for chunk in blobs.open_read(
            key, max(start, part_start) - part_start, min(end, part_end) - part_start
        ):
            yield chunk
