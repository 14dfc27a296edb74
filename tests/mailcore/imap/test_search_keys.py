"""Search keys: parsing (and its errors) and three-valued evaluation over rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailcore.core.models import Folder
from mailcore.protocols.imap import commands  # noqa: F401 - the command table, as the server has it
from mailcore.protocols.imap.mailrows import Row
from mailcore.protocols.imap.parser import parse as parse_command
from mailcore.protocols.imap.responses import Bad, No
from mailcore.protocols.imap.search import (
    Context,
    evaluate,
    message_text,
    parse_charset,
    parse_keys,
)
from mailcore.protocols.imap.selected import Selected


def selected(uids: list[int]) -> Selected:
    state = Selected(1, Folder(id=7), readonly=False)
    state.uids = uids
    state.saved = [5]
    return state


def keys(text: str):
    args = parse_command(b"a SEARCH " + text.encode()).args
    parse_charset(args)
    return parse_keys(args)


def row(uid: int, **kw) -> Row:
    message = {
        "subject": kw.pop("subject", "Quarterly report"),
        "from_name": "张三",
        "from_address": "zhang@example.com",
        "to_json": '[{"name": "Bob", "address": "bob@example.com"}]',
        "cc_json": "[]",
        "bcc_json": "[]",
        "date": datetime(2026, 2, 1, 23, 0, tzinfo=UTC),
    }
    values = dict(seen=False, answered=False, flagged=False, deleted=False, draft=False)
    values.update(kw)
    return Row(
        uid,
        uid,
        10 * uid,
        keywords=values.pop("keywords", ""),
        received_at=datetime(2026, 2, 3, tzinfo=UTC),
        size=1000 * uid,
        sha256=str(uid),
        message=message,
        **values,
    )


ROWS = [row(1, seen=True), row(3, flagged=True, keywords="$Forwarded"), row(5, subject="Hi")]


def found(text: str) -> list[int]:
    key = keys(text)
    ctx = Context(selected([1, 3, 5]))
    return [r.uid for r in ROWS if evaluate(key, r, ctx)]


@pytest.mark.parametrize(
    ("text", "uids"),
    [
        ("ALL", [1, 3, 5]),
        ("UNSEEN", [3, 5]),
        ("SEEN FLAGGED", []),
        ("OR SEEN FLAGGED", [1, 3]),
        ("NOT (SEEN)", [3, 5]),
        ("KEYWORD $forwarded", [3]),
        ("UNKEYWORD $Forwarded", [1, 5]),
        ("2:3", [3, 5]),
        ("UID 3:*", [3, 5]),
        ("$", [5]),
        ("LARGER 1000 SMALLER 5000", [3]),
        ("MODSEQ 30", [3, 5]),
        ("SUBJECT report", [1, 3]),
        ('FROM "张三"', [1, 3, 5]),
        ("TO BOB@EXAMPLE", [1, 3, 5]),
        ("CC bob", []),
        ("SENTON 1-Feb-2026", [1, 3, 5]),
        ("SENTBEFORE 1-Feb-2026", []),
        ("SINCE 3-Feb-2026 BEFORE 4-Feb-2026", [1, 3, 5]),
        ("NEW", []),
        ("CHARSET UTF-8 SUBJECT hi", [5]),
    ],
)
def test_keys(text: str, uids: list[int]) -> None:
    assert found(text) == uids


def test_text_keys_wait_for_the_message() -> None:
    ctx = Context(selected([1, 3]))
    key = keys("UNSEEN BODY hello")
    assert evaluate(key, ROWS[0], ctx) is False  # ruled out without reading the message
    assert evaluate(key, ROWS[1], ctx) is None
    ctx.texts["3"] = message_text(b"Subject: x\r\nX-Tag: Blue\r\n\r\nSay HELLO\r\n")
    assert evaluate(key, ROWS[1], ctx) is True
    assert evaluate(keys("HEADER X-Tag blue"), ROWS[1], ctx) is True
    assert evaluate(keys("TEXT x-tag"), ROWS[1], ctx) is True


@pytest.mark.parametrize(
    "text", ["", "FOO", "SINCE 31-Feb-2026", "SINCE yesterday", "LARGER x", "OR SEEN", "()", "0:3"]
)
def test_bad_keys(text: str) -> None:
    with pytest.raises(Bad):
        keys(text)


def test_unknown_charset() -> None:
    with pytest.raises(No, match=r"\[BADCHARSET \(UTF-8 US-ASCII\)\]"):
        keys("CHARSET KOI8-R SUBJECT x")
