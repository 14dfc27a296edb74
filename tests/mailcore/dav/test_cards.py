"""vCard text: values escaped, long lines folded at 75 octets without splitting a
character; the address book's paths."""

from __future__ import annotations

from mailcore.dav import cards, paths
from mailcore.dav.paths import Kind, Target

ME = "ann@example.com"


def test_values_are_escaped_and_long_lines_folded() -> None:
    name = cards._text("Li, Lei; \\ a\nb")
    text = cards._card("u1", ["FN:" + name, "NOTE:" + "研发" * 40])
    assert "FN:Li\\, Lei\\; \\\\ a\\nb\r\n" in text
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "NOTE:" + "研发" * 40 + "\r\n" in unfolded
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") and text.endswith("END:VCARD\r\n")
    assert cards.Card("u1", text).etag != cards.Card("u1", text + "x").etag


def test_the_address_book_paths() -> None:
    assert paths.resolve(paths.books(ME), ME) == Target(Kind.BOOKS)
    assert paths.resolve(paths.book(ME), ME) == Target(Kind.BOOK)
    assert paths.resolve(paths.card(ME, "qiyou-member-3"), ME) == Target(
        Kind.CARD, uid="qiyou-member-3"
    )
    assert paths.resolve("/dav/addressbooks/ann@example.com/other/", ME) is None
    assert paths.resolve("/dav/addressbooks/bob@example.com/directory/", ME) is None
