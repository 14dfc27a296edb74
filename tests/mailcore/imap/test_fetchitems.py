"""FETCH data items and modifiers from parsed arguments."""

from __future__ import annotations

import pytest

from mailcore.protocols.imap.bodyparts import Section
from mailcore.protocols.imap.fetchitems import Item, parse
from mailcore.protocols.imap.parser import parse as parse_command
from mailcore.protocols.imap.responses import Bad


def items(text: str):
    args = parse_command(b"a FETCH " + text.encode()).args
    args.atom()
    return parse(args)


def test_macros_and_simple_items() -> None:
    assert [i.name for i in items("1 ALL").items] == [
        "FLAGS",
        "INTERNALDATE",
        "RFC822.SIZE",
        "ENVELOPE",
    ]
    assert [i.name for i in items("1:* (UID FLAGS rfc822.size)").items] == [
        "UID",
        "FLAGS",
        "RFC822.SIZE",
    ]


def test_sections_partials_and_labels() -> None:
    [item] = items('1 BODY.PEEK[1.2.HEADER.FIELDS (From "To")]<10.20>').items
    assert item == Item("BODY", Section((1, 2), "HEADER.FIELDS", ("From", "To")), True, (10, 20))
    assert item.label() == "BODY[1.2.HEADER.FIELDS (From To)]<10>"
    assert not item.sets_seen
    [item] = items("1 BODY[]").items
    assert item.sets_seen and item.label() == "BODY[]"
    [item] = items("1 binary.peek[2]").items
    assert item.name == "BINARY" and item.peek and item.label() == "BINARY[2]"
    assert items("1 (BINARY.SIZE[1] RFC822.TEXT)").items[1].sets_seen


def test_modifiers() -> None:
    request = items("1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)")
    assert request.changed_since == 12345 and request.vanished


@pytest.mark.parametrize(
    "text",
    [
        "1 FOO",
        "1 BODY[0]",
        "1 BODY[1.FOO]",
        "1 BODY[HEADER.FIELDS]",
        "1 BODY[HEADER.FIELDS ()]",
        "1 BODY[]<5.0>",
        "1 BINARY[HEADER]",
        "1 BINARY.SIZE[1]<0.1>",
        "1 (ALL)",
        "1 ()",
        "1 FLAGS (VANISHED)",
        "1 FLAGS (CHANGEDSINCE x)",
        "1 FLAGS extra",
        '1 "FLAGS"',
    ],
)
def test_bad_items(text: str) -> None:
    with pytest.raises(Bad):
        items(text)
