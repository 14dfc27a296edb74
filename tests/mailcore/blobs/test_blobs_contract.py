"""One contract for every blob backend: the local files and S3 (a real SeaweedFS server,
tests/seaweed.py). Each S3 test gets a prefix of its own in the session's bucket."""

from __future__ import annotations

import os
import resource
import time
import uuid

import pytest

from mailcore.core.blobs import BlobNotFound, blob_key, open_blob_store
from tests.seaweed import seaweed  # noqa: F401 - the session's SeaweedFS fixture

BACKENDS = [
    pytest.param("local", id="local"),
    pytest.param("s3", id="s3", marks=[pytest.mark.xdist_group("postgres")]),
]


@pytest.fixture(params=BACKENDS)
async def store(request, tmp_path):
    if request.param == "local":
        blobs = open_blob_store(f"file://{tmp_path / 'blobs'}")
    else:
        weed = request.getfixturevalue("seaweed")
        if not getattr(weed, "contract_bucket", None):
            weed.contract_bucket = weed.new_bucket()
        blobs = open_blob_store(weed.blob_url(weed.contract_bucket, uuid.uuid4().hex[:8]))
    yield blobs
    await blobs.close()


async def collect(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def test_put_get_exists_delete(store):
    key = await store.put(b"hello blob\r\n")
    assert key == blob_key(b"hello blob\r\n")
    assert await store.get(key) == b"hello blob\r\n"
    assert await store.exists(key)
    assert await store.size(key) == 12
    await store.delete(key)
    assert not await store.exists(key)
    with pytest.raises(BlobNotFound):
        await store.get(key)


async def test_put_many_and_get_many_keep_order_and_twins(store):
    datas = [b"one", "二".encode(), b"one", b"", os.urandom(300_000)]
    keys = await store.put_many(datas)
    assert keys == [blob_key(d) for d in datas]
    assert await store.get_many(keys) == datas
    assert await store.get(blob_key(b"")) == b""


async def test_a_missing_blob_is_blob_not_found_naming_only_the_key(store):
    key = blob_key(b"never stored " + uuid.uuid4().bytes)
    for read in (store.get(key), store.size(key), collect(store.open_read(key))):
        with pytest.raises(BlobNotFound) as caught:
            await read
        assert isinstance(caught.value, FileNotFoundError)
        assert str(caught.value) == f"blob {key} not found"
    with pytest.raises(BlobNotFound):
        await store.get_many([key])
    assert not await store.exists(key)


async def test_a_bad_key_is_a_value_error(store):
    with pytest.raises(ValueError, match="not a blob key"):
        await store.get("../../etc/passwd")


async def test_open_read_gives_byte_ranges(store):
    data = os.urandom(3 * 1024 * 1024 + 17)  # over several chunks
    key = await store.put(data)
    assert await collect(store.open_read(key)) == data
    assert await collect(store.open_read(key, 5)) == data[5:]
    assert await collect(store.open_read(key, 10, 20)) == data[10:20]
    assert (
        await collect(store.open_read(key, 1024 * 1024 - 3, 2 * 1024 * 1024 + 9))
        == (data[1024 * 1024 - 3 : 2 * 1024 * 1024 + 9])
    )
    assert await collect(store.open_read(key, len(data) - 1, len(data) + 100)) == data[-1:]
    assert await collect(store.open_read(key, 7, 7)) == b""
    with pytest.raises(ValueError):
        await collect(store.open_read(key, 9, 3))


async def test_put_stream_of_20_mb_in_bounded_memory(store):
    piece = os.urandom(256 * 1024)
    count = 80  # 20 MB

    async def chunks():
        for i in range(count):
            yield piece[i:] + piece[:i]  # every chunk different

    expected = blob_key(b"".join(piece[i:] + piece[:i] for i in range(count)))
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    key, size = await store.put_stream(chunks())
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert (key, size) == (expected, count * len(piece))
    assert await store.size(key) == size
    assert grown < 16 * 1024, f"peak RSS grew by {grown} KiB while streaming 20 MB"
    tail = await collect(store.open_read(key, size - 10))
    assert tail == (piece[count - 1 :] + piece[: count - 1])[-10:]
    again = await store.put_stream(chunks())  # the same content: same key, still readable
    assert again == (key, size)
    assert await store.size(key) == size


async def test_a_small_stream_and_an_empty_one(store):
    async def chunks(*parts):
        for part in parts:
            yield part

    assert await store.put_stream(chunks(b"ab", b"cd")) == (blob_key(b"abcd"), 4)
    assert await store.get(blob_key(b"abcd")) == b"abcd"
    assert await store.put_stream(chunks()) == (blob_key(b""), 0)


async def test_trash_and_restore_on_read(store):
    key = await store.put(b"collected, then read")
    future = time.time() + 3600
    assert await store.trash(key, before=time.time() - 3600) is False, "too young to move"
    assert await store.trash(key, before=future) is True
    assert [k for batch in [b async for b in store.stale(future)] for k in batch] == []
    trashed = [k for batch in [b async for b in store.trashed(future)] for k in batch]
    assert trashed == [key]
    assert await store.get(key) == b"collected, then read", "a read moves it back"
    assert [b async for b in store.trashed(future)] == []
    assert await store.trash(key, before=future)
    assert await store.size(key) == 20
    assert await store.trash(key, before=future)
    await store.purge(key)
    with pytest.raises(BlobNotFound):
        await store.get(key)


async def test_a_put_refreshes_an_old_blob_and_revives_a_trashed_one(store):
    key = await store.put(b"stored twice")
    assert await store.trash(key, before=time.time() + 3600)
    assert await store.put(b"stored twice") == key
    assert await store.restore(key), "the trash entry goes; the new copy wins"
    assert await store.get(key) == b"stored twice"
    stale = [k async for batch in store.stale(time.time() - 3600) for k in batch]
    assert key not in stale
