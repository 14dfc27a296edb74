"""Fuzzing the MIME parser (the one ``parse_message`` ingest uses) with Hypothesis.

``parse_message`` catches everything as a last resort, so "it did not raise" alone would
prove little: the pieces it is made of (structure, headers, charsets, transfer encodings)
are fuzzed directly, and the parse result is checked for what its users rely on. Every
example has a deadline; the whole file stays within a few seconds.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcore.core.mime.charset import decode_bytes, decode_header_bytes
from mailcore.core.mime.headers import (
    decode_words,
    parse_addresses,
    parse_date,
    parse_ids,
    parse_params,
)
from mailcore.core.mime.parse import PREVIEW_CHARS, get_attachment, parse_message
from mailcore.core.mime.structure import build_tree, split_headers
from mailcore.core.mime.transfer import decode_transfer
from mailcore.core.mime.types import Address, ParsedMessage

CORPUS = [p.read_bytes() for p in sorted((Path(__file__).parents[2] / "data/mime").glob("*.eml"))]
FUZZ = settings(
    max_examples=60, deadline=1000, suppress_health_check=[HealthCheck.too_slow], database=None
)

# Bytes that matter to a MIME parser, so random input reaches its branches.
TOKENS = [
    b"\r\n", b"\n", b"\r\n\r\n", b": ", b";", b"=", b'"', b"--", b"--XX", b"--XX--",
    b"Content-Type: multipart/mixed; boundary=XX", b"Content-Type: multipart/alternative; ",
    b"boundary=", b"Content-Type: text/html; charset=", b"Content-Type: message/rfc822",
    b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Transfer-Encoding: x-uuencode", b"Content-Disposition: attachment; filename",
    b"*0*=utf-8''%E4%BD", b"=?utf-8?B?", b"=?gb2312?Q?", b"?=", b"=E4=BD=A0", b"=\r\n",
    b"From: ", b"To: ", b"Subject: ", b"Date: ", b"Message-ID: ", b"<a@b>", b"begin 644 f\n",
    b"\xff\xfe", b"\xe4\xbd\xa0", b"\x00", b" ", b"\t", b"<html><div>", b"charset=gbk",
]  # fmt: skip
mail_bytes = st.lists(st.sampled_from(TOKENS) | st.binary(max_size=20), max_size=60).map(b"".join)


@st.composite
def mutated_corpus_mail(draw: st.DrawFn) -> bytes:
    """A golden-corpus mail with a few bytes replaced, inserted or cut."""
    raw = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["replace", "insert", "cut"]))
        chunk = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=8))
        if action == "replace":
            raw[at : at + len(chunk)] = chunk
        elif action == "insert":
            raw[at:at] = chunk
        else:
            del raw[at : at + draw(st.integers(1, 200))]
    return bytes(raw)


def check_parsed(raw: bytes, parsed: ParsedMessage) -> None:
    assert parsed.size == len(raw)
    assert isinstance(parsed.subject, str) and "\x00" not in parsed.text
    assert parsed.html is None or isinstance(parsed.html, str)
    assert len(parsed.preview) <= PREVIEW_CHARS + 1  # and an ellipsis
    for address in [parsed.from_, parsed.sender, *parsed.to, *parsed.cc, *parsed.reply_to]:
        assert address is None or isinstance(address, Address)
    assert parsed.date is None or isinstance(parsed.date, datetime)
    assert [a.index for a in parsed.attachments] == list(range(len(parsed.attachments)))
    for attachment in parsed.attachments:
        assert attachment.size >= 0 and attachment.filename
    if parsed.attachments:
        last = parsed.attachments[-1]
        found = get_attachment(raw, last.index)
        assert found is not None and found[0].filename == last.filename
        assert len(found[1]) == last.size
    assert get_attachment(raw, len(parsed.attachments)) is None


@FUZZ
@given(mail_bytes)
def test_random_mail_parses(raw: bytes) -> None:
    build_tree(raw)
    split_headers(raw, 0, len(raw))
    check_parsed(raw, parse_message(raw))


@FUZZ
@given(mutated_corpus_mail())
def test_mutated_corpus_mail_parses(raw: bytes) -> None:
    build_tree(raw)
    check_parsed(raw, parse_message(raw))


header_text = st.lists(
    st.sampled_from(['"', "<", ">", ",", ";", ":", "@", "(", ")", "\\", "=?utf-8?q?", "?=", " "])
    | st.text(max_size=8),
    max_size=30,
).map("".join)


@FUZZ
@given(header_text)
def test_header_parsers_never_raise(value: str) -> None:
    for address in parse_addresses(value):
        assert isinstance(address.address, str) and isinstance(address.name, str)
    assert isinstance(decode_words(value), str)
    ctype, params = parse_params(value)
    assert isinstance(ctype, str) and all(isinstance(v, str) for v in params.values())
    assert parse_date(value) is None or isinstance(parse_date(value), datetime)
    assert all(isinstance(i, str) for i in parse_ids(value))


@FUZZ
@given(
    st.binary(max_size=300),
    st.sampled_from(["base64", "quoted-printable", "x-uuencode", "7bit", "8bit", "binary", "??"]),
    st.sampled_from([None, "utf-8", "gb2312", "gbk", "big5", "iso-2022-jp", "klingon", ""]),
)
def test_transfer_and_charset_decoding_never_raise(data: bytes, cte: str, charset: str | None):
    assert isinstance(decode_transfer(data, cte), bytes)
    assert isinstance(decode_bytes(data, charset), str)
    assert isinstance(decode_header_bytes(data, charset), str)
