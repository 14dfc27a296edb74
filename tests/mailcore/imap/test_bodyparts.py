"""Sections of FETCH BODY[...], ENVELOPE and BODYSTRUCTURE, from raw bytes."""

from __future__ import annotations

import pytest

from mailcore.protocols.imap.bodyparts import BadSection, Section, extract, parse
from mailcore.protocols.imap.envelope import render

INNER = (
    b"From: Inner <inner@example.org>\r\n"
    b"Subject: inside\r\n"
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b"inner body\r\n"
)
RAW = (
    b"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
    b"From: =?utf-8?b?5byg5LiJ?= <zhang@example.com>\r\n"
    b'To: bob@example.com, "Carol, C." <carol@example.com>\r\n'
    b"Subject: =?utf-8?b?5L2g5aW9?=\r\n"
    b"Message-ID: <m1@example.com>\r\n"
    b"X-Long: one\r\n two\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"preamble\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"hello\r\n"
    b"world\r\n"
    b"--b1\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n" + INNER + b"--b1\r\n"
    b"Content-Type: application/pdf; name*=utf-8''%E6%96%87.pdf\r\n"
    b'Content-Disposition: attachment; filename="a.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0=\r\n"
    b"--b1--\r\n"
)


def test_whole_header_text_and_parts() -> None:
    root = parse(RAW)
    assert extract(RAW, root, Section()) == RAW
    header = extract(RAW, root, Section(text="HEADER"))
    assert header.startswith(b"Date:") and header.endswith(b'boundary="b1"\r\n\r\n')
    assert extract(RAW, root, Section(text="TEXT")).startswith(b"preamble")
    assert extract(RAW, root, Section((1,))) == b"hello\r\nworld"
    assert extract(RAW, root, Section((1,), "MIME")) == (
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    assert extract(RAW, root, Section((2,))) == INNER.rstrip(b"\r\n")
    assert extract(RAW, root, Section((2,), "HEADER")).startswith(b"From: Inner")
    assert extract(RAW, root, Section((2,), "TEXT")) == b"inner body"
    assert extract(RAW, root, Section((2, 1))) == b"inner body"
    assert extract(RAW, root, Section((3,))) == b"JVBERi0="


def test_header_fields_keep_folding_and_order() -> None:
    root = parse(RAW)
    got = extract(RAW, root, Section(text="HEADER.FIELDS", fields=("X-LONG", "subject")))
    assert got == b"Subject: =?utf-8?b?5L2g5aW9?=\r\nX-Long: one\r\n two\r\n\r\n"
    got = extract(RAW, root, Section(text="HEADER.FIELDS.NOT", fields=("CONTENT-TYPE",)))
    assert b"Content-Type" not in got and b"Message-ID: <m1@example.com>" in got


@pytest.mark.parametrize(
    "section",
    [Section((4,)), Section((1, 2)), Section((1,), "HEADER"), Section((), "MIME"), Section((0,))],
)
def test_missing_sections(section: Section) -> None:
    with pytest.raises(BadSection):
        extract(RAW, parse(RAW), section)


def test_a_single_part_message_is_its_own_part_one() -> None:
    raw = b"Subject: x\r\n\r\nbody\r\n"
    assert extract(raw, parse(raw), Section((1,))) == b"body\r\n"
    assert Section((1, 2), "HEADER.FIELDS", ("FROM",)).label() == "1.2.HEADER.FIELDS (FROM)"


def test_envelope() -> None:
    env = render(RAW, {"ENVELOPE"})["ENVELOPE"]
    assert env == (
        b'("Mon, 7 Feb 1994 21:52:25 -0800" "=?utf-8?b?5L2g5aW9?="'
        b' (("=?utf-8?b?5byg5LiJ?=" NIL "zhang" "example.com"))'
        b' (("=?utf-8?b?5byg5LiJ?=" NIL "zhang" "example.com"))'
        b' (("=?utf-8?b?5byg5LiJ?=" NIL "zhang" "example.com"))'
        b' ((NIL NIL "bob" "example.com")("Carol, C." NIL "carol" "example.com"))'
        b' NIL NIL NIL "<m1@example.com>")'
    )


def test_bodystructure() -> None:
    s = render(RAW, {"ENVELOPE", "BODY", "BODYSTRUCTURE"})
    assert s["ENVELOPE"] == render(RAW, {"ENVELOPE", "BODY"})["ENVELOPE"]
    assert s["BODYSTRUCTURE"] == (
        b'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 12 2 NIL NIL NIL NIL)'
        b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 88'
        b' (NIL "inside" (("Inner" NIL "inner" "example.org"))'
        b' (("Inner" NIL "inner" "example.org")) (("Inner" NIL "inner" "example.org"))'
        b" NIL NIL NIL NIL NIL)"
        b' ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) 5 NIL NIL NIL NIL)'
        b'("APPLICATION" "PDF" ("NAME*" "utf-8\'\'%E6%96%87.pdf") NIL NIL "BASE64" 8'
        b' NIL ("ATTACHMENT" ("FILENAME" "a.pdf")) NIL NIL)'
        b' "MIXED" ("BOUNDARY" "b1") NIL NIL NIL)'
    )
    assert s["BODY"].startswith(b'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 12 2)')
    assert s["BODY"].endswith(b' "MIXED")')


def test_hostile_input_never_raises() -> None:
    deep = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(200)
    )
    for raw in [b"", b"\r\n", b"no header at all", deep, b"Content-Type: message/rfc822\r\n\r\n"]:
        s = render(raw, {"ENVELOPE", "BODYSTRUCTURE"})
        assert s["BODYSTRUCTURE"].startswith(b"(") and s["ENVELOPE"].startswith(b"(")
