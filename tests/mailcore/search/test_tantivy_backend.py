"""What only the embedded backend does: Han/Kana pairs as terms, documents rebuilt from the
store and fast fields, the index layout and its store setting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import tantivy

from mailcore.search import MAIL, SearchDoc, SearchQuery
from mailcore.search.tantivy_backend import (
    DOCSTORE_BLOCK,
    SCHEMA_VERSION,
    TantivyBackend,
    _stored,
)

ALICE = 7
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def doc(id: int, body: str = "", **fields: object) -> SearchDoc:
    return SearchDoc(id=id, owner=ALICE, date=T0 + timedelta(hours=id), body=body, **fields)  # type: ignore[arg-type]


async def ids(backend: TantivyBackend, text: str, **kw: object) -> list[int]:
    page = await backend.search(MAIL, SearchQuery(owner=ALICE, text=text, **kw))  # type: ignore[arg-type]
    return sorted(h.id for h in page.hits)


async def test_two_chinese_characters_find_the_word_and_not_others(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path)
    await backend.open()
    await backend.upsert(
        MAIL,
        [
            doc(1, "明天的会议取消"),
            doc(2, "会和议分开"),
            doc(3, "议会选举"),  # the two characters the other way round
            doc(4, "周五开会\n议程另发"),  # a word broken over two lines
            doc(5, "会x议a会2议"),  # a word between: not side by side
            doc(6, "会议室已订", subject="新款iPhone手机"),
            doc(7, "会_议"),  # _ separates words, as punctuation does
        ],
    )
    assert await ids(backend, "会议") == [1, 4, 6, 7]
    assert await ids(backend, "议会") == [3]
    assert await ids(backend, "会议室") == [6]
    assert await ids(backend, "议室已") == [6]
    assert await ids(backend, "会议取消") == [1]
    assert await ids(backend, "会议室 取消") == []
    assert await ids(backend, "iphone手机") == [6]
    assert await ids(backend, "会") == [1, 2, 3, 4, 5, 6, 7]
    [hit] = (await backend.search(MAIL, SearchQuery(owner=ALICE, text="议会"))).hits
    assert hit.snippet == "<mark>议会</mark>选举"
    await backend.close()


async def test_an_update_rebuilds_the_whole_document(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path)
    await backend.open()
    old = datetime(421, 11, 15, 8, 30, 5, 123456, tzinfo=UTC)
    original = SearchDoc(
        id=9,
        owner=ALICE,
        date=old,
        subject="旧邮件 subject",
        sender="Carol carol@partner.example",
        recipients="Dave dave@example.com",
        body="first line\n第二行，会议\n",
        attachments="notes.txt\nbudget 预算",
        folder=2,
        unread=True,
        labels=["d:1"],
    )
    await backend.upsert(MAIL, [original])
    assert await backend.update(MAIL, {9: {"folder": 3, "unread": False, "flagged": True}}) == []
    space = backend._space(MAIL)
    space.index.reload()
    searcher = space.index.searcher()
    [(_, address)] = searcher.search(tantivy.Query.term_query(space.schema, "id", 9), 1).hits
    again = _stored(searcher, address)
    expected = SearchDoc(**{**original.__dict__, "folder": 3, "unread": False, "flagged": True})
    assert again == expected
    assert await ids(
        backend, "会议", sender="carol", since=old, until=old + timedelta(microseconds=1)
    ) == [9]
    assert await ids(backend, "", until=old) == []
    assert await ids(backend, "预算", attachment="budget", folder=3, flagged=True) == [9]
    await backend.close()


async def test_a_new_layout_starts_a_new_index_with_larger_store_blocks(tmp_path: Path) -> None:
    older = tmp_path / f"mail-v{SCHEMA_VERSION - 1}"
    older.mkdir()
    (older / "meta.json").write_text("{}")  # an older layout's index is left alone
    backend = TantivyBackend(tmp_path)
    await backend.open()
    assert await backend.was_created(MAIL)  # so the indexer fills it again
    await backend.upsert(MAIL, [doc(1, "hello")])
    meta = json.loads((tmp_path / f"mail-v{SCHEMA_VERSION}" / "meta.json").read_text())
    assert meta["index_settings"]["docstore_blocksize"] == DOCSTORE_BLOCK
    assert (older / "meta.json").read_text() == "{}"
    await backend.close()
    reopened = TantivyBackend(tmp_path)
    await reopened.open()
    assert not await reopened.was_created(MAIL)
    assert await ids(reopened, "hello") == [1]
    await reopened.close()
