"""Modified UTF-7 mailbox names (RFC 3501 §5.1.3) and the LIST pattern matching."""

from __future__ import annotations

import pytest

from mailcore.protocols.imap import utf7
from mailcore.protocols.imap.mailboxes import canonical, parse_date_time, pattern_regex


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("INBOX", "INBOX"),
        ("R&D", "R&-D"),
        # RFC 3501 §5.1.3's own example
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("报告", "&YqVUSg-"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("😀", "&2D3eAA-"),
    ],
)
def test_round_trip(text, wire):
    assert utf7.encode(text) == wire
    assert utf7.decode(wire) == text


@pytest.mark.parametrize(
    "wire",
    ["&Jjo", "&U,BTFw", "&A-", "caf\u00e9", "&AGEAYgBj-", "&ZeVnLIqe&ZeVnLIqe-x"],
)
def test_malformed_names_are_refused(wire):
    with pytest.raises(utf7.Utf7Error):
        utf7.decode(wire)


def test_list_patterns():
    star = pattern_regex("", "*")
    assert star.fullmatch("INBOX") and star.fullmatch("a/b/c")
    percent = pattern_regex("Projects/", "%")
    assert percent.fullmatch("Projects/2026") and not percent.fullmatch("Projects/2026/Q1")
    assert pattern_regex("", "inbox").fullmatch("INBOX")
    assert pattern_regex("", "Inbox/%").fullmatch("INBOX/x")
    assert not pattern_regex("", "a.c").fullmatch("abc"), "regex characters are literal"
    assert canonical("inbox/Sub/") == "INBOX/Sub" and canonical("Inboxes") == "Inboxes"


def test_append_date_time():
    assert parse_date_time("17-Jul-1996 02:44:25 -0700").utcoffset().total_seconds() == -25200
    assert parse_date_time(" 7-Jul-1996 02:44:25 +0000").day == 7
    for bad in ("17-Foo-1996 02:44:25 -0700", "31-Feb-2020 00:00:00 +0000", "yesterday"):
        with pytest.raises(Exception, match="date-time"):
            parse_date_time(bad)
