"""The local blob store: content-addressed files, synced by syncfs(2) or by fsync per file."""

from __future__ import annotations

import os

import pytest

from mailcore.core.blobs import blob_key
from mailcore.core.blobs.local import LocalBlobStore


@pytest.fixture(params=["syncfs", "fsync"])
def store(request, tmp_path):
    blobs = LocalBlobStore(tmp_path / "blobs")
    if request.param == "fsync":
        blobs._syncfs = False  # the path taken where syncfs(2) does not exist
    elif not blobs._syncfs:
        pytest.skip("no syncfs(2) on this system")
    return blobs


def _leftovers(store: LocalBlobStore) -> list[str]:
    return [name for _, _, files in os.walk(store.root) for name in files if name.endswith(".tmp")]


async def test_a_group_is_stored_under_its_keys_once_each(store):
    datas = [b"first mail\r\n", "第二封".encode(), b"first mail\r\n", b""]
    keys = await store.put_many(datas)
    assert keys == [blob_key(d) for d in datas]
    assert keys[0] == keys[2]
    for key, data in zip(keys, datas, strict=True):
        assert await store.get(key) == data
    assert len({p for p in store.root.rglob("*") if p.is_file()}) == 3
    assert _leftovers(store) == []


async def test_a_stored_blob_is_not_written_again(store):
    [key] = await store.put_many([b"same bytes"])
    path = store.path_for(key)
    os.utime(path, (1_000_000_000, 1_000_000_000))  # as if stored long ago
    inode = path.stat().st_ino
    assert await store.put_many([b"same bytes", b"other bytes"]) == [key, blob_key(b"other bytes")]
    assert path.stat().st_ino == inode, "not written again"
    assert path.stat().st_mtime > 1_000_000_000, "but touched: young for the garbage collector"
    assert await store.put(b"same bytes") == key


async def test_a_failed_write_leaves_no_blob_and_no_temporary_file(store):
    good, bad = b"good mail", b"mail for an unwritable directory"
    directory = store.path_for(blob_key(bad)).parent
    directory.parent.mkdir(parents=True)
    directory.write_bytes(b"")  # a file where the blob's directory must be
    with pytest.raises(OSError):
        await store.put_many([good, bad])
    assert not store.path_for(blob_key(good)).exists(), "nothing of the group takes its name"
    assert _leftovers(store) == []
    assert await store.put_many([good]) == [blob_key(good)]
