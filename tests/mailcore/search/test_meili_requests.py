"""What the Meilisearch backend sends (runs without a server): the tenant filter is always
there, values are quoted, and our query groups become Meilisearch phrases."""

from __future__ import annotations

from datetime import UTC, datetime

from mailcore.search import SearchDoc, SearchQuery, open_backend
from mailcore.search.meili_backend import SETTINGS, MeiliBackend, build_filter, query_text
from mailcore.search.meili_backend import to_document as meili_document
from mailcore.search.tokens import parse_query


def test_every_filter_starts_with_the_owner() -> None:
    assert build_filter(SearchQuery(owner=7)) == ["owner = 7"]
    query = SearchQuery(
        owner=7,
        folder=3,
        exclude_folders=(4, 5),
        sender='Eve "x" <eve@x.test>',
        since=datetime(2026, 1, 1, tzinfo=UTC),
        until=datetime(2026, 1, 2, tzinfo=UTC),
        unread=True,
        has_attachment=False,
        labels_any=("dept:1", 'a"b'),
    )
    parts = build_filter(query)
    assert parts[0] == "owner = 7"
    assert "folder = 3" in parts and "folder != 4" in parts and "folder != 5" in parts
    assert 'sender_terms = "eve"' in parts and 'sender_terms = "x"' in parts
    assert "date >= 1767225600000000" in parts and "date < 1767312000000000" in parts
    assert "unread = true" in parts and "has_attachment = false" in parts
    assert 'labels IN ["dept:1", "a\\"b"]' in parts


def test_query_groups_become_phrases() -> None:
    assert query_text(parse_query("会议")) == '"会 议"'
    assert query_text(parse_query("meeting roo")) == "meeting roo"
    assert query_text(parse_query('"moved to friday" x ')) == '"moved to friday" x'
    assert query_text(parse_query("alice@example.com")) == '"alice example" com'
    assert query_text(parse_query("😀")) == ""


def test_documents_carry_tokens_for_searching_and_text_for_showing() -> None:
    doc = SearchDoc(
        id=1,
        owner=2,
        date=datetime(2026, 1, 1, tzinfo=UTC),
        subject="开会议 Room",
        sender="Carol carol@x.test",
        labels=["d:1"],
    )
    sent = meili_document(doc)
    assert sent["subject"] == "开会议 Room" and sent["t_subject"] == "开 会 议 room"
    assert sent["sender_terms"] == ["carol", "test", "x"]
    assert sent["owner"] == 2 and sent["date"] == 1767225600000000 and sent["labels"] == ["d:1"]
    assert set(SETTINGS["searchableAttributes"]) == {
        f"t_{k}" for k in ("subject", "sender", "recipients", "body", "attachments")
    }


def test_search_url_selects_the_backend(tmp_path) -> None:
    backend = open_backend("meili+https://search.example:7700?key=abc&prefix=acme_", tmp_path)
    assert isinstance(backend, MeiliBackend) and backend.prefix == "acme_"
    assert backend.client.config.url == "https://search.example:7700"
    assert backend.client.config.api_key == "abc"
    embedded = open_backend("tantivy://", tmp_path)
    assert embedded.path == tmp_path / "search"  # type: ignore[attr-defined]
    assert open_backend("", tmp_path).name == "tantivy"
    try:
        open_backend("elastic://x", tmp_path)
    except ValueError as exc:
        assert "unknown search backend" in str(exc)
    else:
        raise AssertionError("an unknown scheme must be refused")
