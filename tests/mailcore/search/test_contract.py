"""The search contract, run against every backend (see conftest.py): same behaviour on each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailcore.search import MAIL, SearchBackend, SearchDoc, SearchQuery, Sort

ALICE, BOB = 101, 202
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def doc(id: int, owner: int = ALICE, days: int = 0, **fields: object) -> SearchDoc:
    return SearchDoc(id=id, owner=owner, date=T0 + timedelta(days=days), **fields)  # type: ignore[arg-type]


CORPUS = [
    doc(1, subject="明天在会议室开会", body="请带上季度报告", folder=1, days=1),
    doc(2, subject="开会议程", body="Agenda for the meeting room booking", folder=1, days=2),
    doc(3, subject="会和议", body="unrelated characters apart", folder=2, days=3, unread=True),
    doc(
        4,
        subject="Quarterly report",
        body="The meeting was moved to Friday.",
        folder=1,
        days=4,
        sender="Carol Chen carol@partner.example",
        has_attachment=True,
        attachments="budget-2026.xlsx\nQ3 revenue 会议纪要",
    ),
    doc(
        5,
        subject="Lunch",
        body="<b>pizza</b> & pasta at noon",
        folder=1,
        days=5,
        recipients="Dave dave@example.com",
        flagged=True,
        labels=["dept:7"],
    ),
    doc(6, owner=BOB, subject="会议 secret of bob", body="meeting meeting", folder=9, days=6),
]


async def load(backend: SearchBackend) -> None:
    await backend.upsert(MAIL, CORPUS)


async def ids(
    backend: SearchBackend, text: str = "", owner: int = ALICE, **kw: object
) -> list[int]:
    page = await backend.search(MAIL, SearchQuery(owner=owner, text=text, **kw))  # type: ignore[arg-type]
    return [h.id for h in page.hits]


async def test_chinese_two_characters_match_inside_longer_words(backend: SearchBackend) -> None:
    await load(backend)
    assert sorted(await ids(backend, "会议")) == [1, 2, 4]  # 会议室, 开会议程, 会议纪要
    assert await ids(backend, "会和议") == [3]
    assert await ids(backend, "议室") == [1]
    assert await ids(backend, "报告") == [1]


async def test_english_whole_words_and_prefix_of_the_last_word(backend: SearchBackend) -> None:
    await load(backend)
    assert sorted(await ids(backend, "meeting")) == [2, 4]
    assert sorted(await ids(backend, "meet")) == [2, 4]  # the word being typed
    assert await ids(backend, "meet friday") == []  # only the last word is a prefix
    assert await ids(backend, "meeting fri") == [4]
    assert await ids(backend, "meeting friday ") == [4]
    assert await ids(backend, "MEETING FRIDAY") == [4]
    assert await ids(backend, '"moved to friday"') == [4]
    assert await ids(backend, '"friday moved"') == []


async def test_all_fields_are_searched(backend: SearchBackend) -> None:
    await load(backend)
    assert await ids(backend, "carol@partner.example") == [4]
    assert await ids(backend, "Chen") == [4]
    assert await ids(backend, "dave@example.com") == [5]
    assert await ids(backend, "budget") == [4]  # attachment file name
    assert await ids(backend, "revenue") == [4]  # attachment text
    assert await ids(backend, "pizza") == [5]


async def test_a_member_only_finds_their_own_documents(backend: SearchBackend) -> None:
    await load(backend)
    assert await ids(backend, "secret") == []
    assert await ids(backend, "secret", owner=BOB) == [6]
    assert await ids(backend, "会议", owner=BOB) == [6]
    assert await ids(backend, "", owner=999) == []
    assert await backend.ids(MAIL, BOB) == {6}
    assert await backend.ids(MAIL, ALICE) == {1, 2, 3, 4, 5}


async def test_filters(backend: SearchBackend) -> None:
    await load(backend)
    assert await ids(backend, "", folder=2) == [3]
    assert await ids(backend, "", exclude_folders=(1,)) == [3]
    assert await ids(backend, "", unread=True) == [3]
    assert await ids(backend, "", has_attachment=True) == [4]
    assert await ids(backend, "", flagged=True) == [5]
    assert await ids(backend, "", sender="carol@partner.example") == [4]
    assert await ids(backend, "", sender="Carol") == [4]
    assert await ids(backend, "", recipient="dave@example.com") == [5]
    assert await ids(backend, "", subject="report") == [4]  # not doc 1's body 季度报告 ...
    assert await ids(backend, "", subject="报告") == []  # ... nor its body
    assert await ids(backend, "", subject="会议室") == [1]
    assert await ids(backend, "", attachment="budget-2026.xlsx") == [4]
    assert await ids(backend, "", attachment="纪要") == [4]
    assert await ids(backend, "", attachment="meeting") == []  # in doc 4's body only
    assert await ids(backend, "meeting", subject="quarterly", sender="carol") == [4]
    assert await ids(backend, "", labels_any=("dept:7", "dept:8")) == [5]
    assert await ids(backend, "", labels_any=()) == []
    since, until = T0 + timedelta(days=2), T0 + timedelta(days=4)
    assert await ids(backend, "", since=since, until=until) == [3, 2]
    assert await ids(backend, "meeting", since=since, until=until) == [2]
    assert await ids(backend, "meeting", folder=2) == []


async def test_dates_far_outside_the_usual_range_are_answered(backend: SearchBackend) -> None:
    """A mail dated in the year 421 (a broken Date header) is indexed, and searches bounded
    by such dates answer instead of failing (tantivy holds 1677-2262 only)."""
    old = SearchDoc(id=9, owner=ALICE, date=datetime(421, 11, 15, tzinfo=UTC), subject="old")
    await backend.upsert(MAIL, [old, doc(10, subject="new")])
    assert await ids(backend, "", since=datetime(421, 1, 1, tzinfo=UTC)) == [10, 9]
    assert await ids(backend, "", until=datetime(1000, 1, 1, tzinfo=UTC)) == [9]
    assert await ids(backend, "", since=datetime(9999, 1, 1, tzinfo=UTC)) == []


async def test_newest_first_pages_and_count(backend: SearchBackend) -> None:
    await load(backend)
    assert await ids(backend, "") == [5, 4, 3, 2, 1]
    assert await ids(backend, "", limit=2) == [5, 4]
    assert await ids(backend, "", limit=2, offset=2) == [3, 2]
    assert await ids(backend, "", limit=2, offset=4) == [1]
    assert await ids(backend, "", limit=0) == [5]  # a limit below 1 is taken as 1
    page = await backend.search(MAIL, SearchQuery(owner=ALICE, text="会议", limit=1))
    assert page.total == 3 and len(page.hits) == 1
    assert await backend.count(MAIL, SearchQuery(owner=ALICE, text="meeting")) == 2
    relevant = await ids(backend, "report", sort=Sort.RELEVANCE)
    assert relevant == [4]


async def test_snippets_mark_matches_and_escape_html(backend: SearchBackend) -> None:
    await load(backend)
    [hit] = (await backend.search(MAIL, SearchQuery(owner=ALICE, text="pizza"))).hits
    assert hit.snippet == "&lt;b&gt;<mark>pizza</mark>&lt;/b&gt; &amp; pasta at noon"
    [hit] = (await backend.search(MAIL, SearchQuery(owner=ALICE, text="议室"))).hits
    assert "<mark>议室</mark>" in hit.snippet
    hits = (await backend.search(MAIL, SearchQuery(owner=ALICE, text="meet"))).hits
    assert all("<mark>meeting</mark>" in h.snippet for h in hits)


async def test_updates_and_deletes(backend: SearchBackend) -> None:
    await load(backend)
    missing = await backend.update(MAIL, {3: {"folder": 1, "unread": False}, 77: {"folder": 1}})
    assert missing == [77]
    assert await ids(backend, "", folder=2) == []
    assert await ids(backend, "", unread=True) == []
    assert await ids(backend, "会和议", folder=1) == [3]  # text kept across the update
    await backend.delete(MAIL, [3, 4, 999])
    assert await ids(backend, "") == [5, 2, 1]
    await backend.upsert(MAIL, [doc(1, subject="replaced", days=1)])
    assert await ids(backend, "明天") == []
    assert await ids(backend, "replaced") == [1]
    await backend.clear(MAIL)
    assert await ids(backend, "") == []
    assert await ids(backend, "secret", owner=BOB) == []


async def test_spaces_are_separate(backend: SearchBackend) -> None:
    await load(backend)
    await backend.upsert("archive", [doc(1, owner=ALICE, subject="archived 会议", labels=["d:1"])])
    assert await ids(backend, "archived") == []
    page = await backend.search(
        "archive", SearchQuery(owner=ALICE, text="会议", labels_any=("d:1",))
    )
    assert [h.id for h in page.hits] == [1]


BAD = [
    '"',
    '""',
    '"unclosed',
    "AND OR NOT",
    "title:x",
    "(((",
    "*",
    "?",
    "a* -b +c",
    "\\",
    "[1 TO 2]",
    "😀",
    "😀 meeting 😀",
    "\x00",
    "\x00会议\x01",
    "\u202e\u200b",
    "x" * 10_000,
    "会" * 5000,
    "word " * 2000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%s%n",
    "\ud800" if False else "",
    "^~!@#$%^&*()_+{}|:<>?",
    "m",
    "é",
    "ǅ",
    "\t\n\r",
    "a" * 41,
    "owner = 5 OR owner = 6",
]


async def test_any_query_string_answers_results_or_nothing(backend: SearchBackend) -> None:
    await load(backend)
    for text in BAD:
        page = await backend.search(MAIL, SearchQuery(owner=ALICE, text=text))
        assert all(h.id in {1, 2, 3, 4, 5} for h in page.hits), text
        await backend.count(MAIL, SearchQuery(owner=ALICE, text=text, sender=text, recipient=text))
    assert await ids(backend, "\x00会议\x01") == [4, 2, 1]
    assert await ids(backend, "😀 meeting 😀") == [4, 2]
    assert await ids(backend, "owner = 5 OR owner = 6") == []


async def test_documents_survive_reopening(backend: SearchBackend, tmp_path) -> None:
    await load(backend)
    await backend.close()
    again = type(backend)(backend.path) if backend.name == "tantivy" else backend  # type: ignore[attr-defined]
    await again.open()
    assert sorted(await ids(again, "会议")) == [1, 2, 4]  # the tokenizer is registered again
