"""Blob garbage collection (mailcore/core/blobs/gc.py) over a real database and both blob
backends (local files; S3 on a real SeaweedFS with the PostgreSQL run): unreferenced old
blobs go to the trash and then away, referenced ones stay, and a mail that commits while
a pass runs still reads afterwards."""

from __future__ import annotations

import time
import uuid

import pytest

from mailcore.core.blobs import BlobNotFound, open_blob_store
from mailcore.core.blobs.gc import collect, referenced
from mailcore.core.models import Message
from tests.conftest import BACKENDS
from tests.seaweed import seaweed  # noqa: F401 - the session's SeaweedFS fixture

SQLITE, POSTGRES = BACKENDS
CASES = pytest.mark.parametrize(
    "service,kind",
    [
        pytest.param("sqlite", "local", id="sqlite-memory-local", marks=SQLITE.marks),
        pytest.param("postgres", "local", id="postgres-redis-local", marks=POSTGRES.marks),
        pytest.param("postgres", "s3", id="postgres-redis-s3", marks=POSTGRES.marks),
    ],
    indirect=["service"],
)
GRACE, TRASH_GRACE = 3600.0, 7 * 86400.0


@pytest.fixture
async def blobs(kind, tmp_path, request):
    if kind == "local":
        store = open_blob_store(str(tmp_path / "blobs"))
    else:
        weed = request.getfixturevalue("seaweed")
        store = open_blob_store(weed.blob_url(weed.new_bucket()))
    yield store
    await store.close()


async def _message_row(key: str) -> Message:
    return await Message.create(sha256=key, size=1, subject=f"gc {uuid.uuid4().hex}")


@CASES
async def test_unreferenced_blobs_go_to_trash_then_away(service, blobs):
    kept = await blobs.put(b"a stored mail " + uuid.uuid4().bytes)
    garbage = await blobs.put(b"a deleted mail " + uuid.uuid4().bytes)
    row = await _message_row(kept)
    try:
        assert await referenced([kept, garbage]) == {kept}
        young = await collect(blobs, grace=GRACE, trash_grace=TRASH_GRACE)
        assert young.held and (young.checked, young.trashed) == (0, 0), "too young to look at"

        later = time.time() + 2 * GRACE
        dry = await collect(blobs, grace=GRACE, trash_grace=TRASH_GRACE, dry_run=True, now=later)
        assert (dry.checked, dry.trashed) == (2, 1)
        assert await blobs.get(garbage), "a dry run moves nothing"

        first = await collect(blobs, grace=GRACE, trash_grace=TRASH_GRACE, now=later)
        assert (first.checked, first.trashed, first.purged) == (2, 1, 0)
        assert [k async for batch in blobs.trashed(later) for k in batch] == [garbage]
        assert await blobs.get(kept)

        much_later = later + 2 * TRASH_GRACE
        second = await collect(blobs, grace=GRACE, trash_grace=TRASH_GRACE, now=much_later)
        assert (second.purged, second.restored) == (1, 0)
        with pytest.raises(BlobNotFound):
            await blobs.get(garbage)
        assert await blobs.get(kept)
    finally:
        await row.delete()


@CASES
async def test_a_mail_committed_between_the_check_and_the_move_still_reads(service, blobs):
    data = b"a mail arriving while gc runs " + uuid.uuid4().bytes
    key = await blobs.put(data)  # stored before, by an earlier mail since deleted
    cutoff = time.time() + 2 * GRACE  # the pass sees it as old
    [batch] = [b async for b in blobs.stale(cutoff)]
    assert batch == [key] and await referenced(batch) == set(), "the pass's check: garbage"

    assert await blobs.put(data) == key  # meanwhile: ingest stores the same mail again
    row = await _message_row(key)  # ... and commits its row
    try:
        assert await blobs.trash(key, cutoff), "the pass moves it (it decided already)"

        assert await blobs.get(key) == data, "the reader finds it in the trash and restores it"
        assert [b async for b in blobs.trashed(cutoff + TRASH_GRACE * 2)] == []

        assert await blobs.trash(key, cutoff)  # had nobody read it: the trash pass restores it
        report = await collect(
            blobs, grace=GRACE, trash_grace=TRASH_GRACE, now=cutoff + 2 * TRASH_GRACE
        )
        assert (report.purged, report.restored) == (0, 1)
        assert await blobs.size(key) == len(data)
    finally:
        await row.delete()
