"""POP3 wire format: command parsing, CRLF normalising, dot-stuffing, TOP."""

from __future__ import annotations

import pytest

from mailcore.protocols.pop3.wire import (
    BadCommand,
    Command,
    normalised,
    number,
    parse,
    top,
    transmit,
)


def test_commands_are_case_insensitive_and_split_on_single_spaces():
    assert parse(b"list 3\r\n") == Command("LIST", ("3",))
    assert parse(b"TOP 1 10\n") == Command("TOP", ("1", "10"))
    assert parse(b"Stat\r\n") == Command("STAT")


def test_pass_keeps_spaces_and_utf8_in_the_password():
    assert parse("PASS my pass 密码\r\n".encode()) == Command("PASS", ("my pass 密码",))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"\r\n", "empty command"),
        (b"FOO\r\n", "unknown command FOO"),
        (b"\xff\xfe\r\n", "unknown command"),
        (b"RETR\r\n", "RETR needs 1 argument"),
        (b"STAT 1\r\n", "STAT takes no argument"),
        (b"TOP 1 2 3\r\n", "TOP takes 2 arguments"),
        (b"LIST  1\r\n", "LIST: arguments are separated by one space"),
        (b"USER a\x00b\r\n", "USER: arguments are separated by one space"),
        (b"USER " + b"a" * 41 + b"\r\n", "USER: argument too long"),
        (b"LIST " + b"1" * 300 + b"\r\n", "line too long"),
        (b"PASS \xff\r\n", "PASS: the password is not UTF-8"),
        (b"PASS\r\n", "PASS needs a password"),
        (b"USER \xc3\xa9\r\n", "USER: arguments must be ASCII"),
    ],
)
def test_bad_lines_say_why(line, reason):
    with pytest.raises(BadCommand) as bad:
        parse(line)
    assert str(bad.value) == reason


def test_auth_lines_may_exceed_255_octets():
    initial = "A" * 1000
    assert parse(f"AUTH PLAIN {initial}\r\n".encode()) == Command("AUTH", ("PLAIN", initial))


def test_numbers_are_plain_digits():
    assert number("12") == 12
    assert number("0") == 0
    for bad in ("-1", "1.0", "", "٣", "+2", "12345678901"):
        assert number(bad) is None


def test_line_ends_become_crlf_and_the_end_gets_one():
    assert normalised(b"a\nb\r\nc\rd") == b"a\r\nb\r\nc\r\nd\r\n"
    assert normalised(b"a\r\n") == b"a\r\n"
    assert normalised(b"") == b""


def test_transmit_stuffs_dots_and_terminates():
    data = normalised(b"Subject: x\r\n\r\n.hidden\r\n..two\r\nend.\r\n.\r\n")
    sent = b"".join(transmit(data, chunk=7))
    assert sent == b"Subject: x\r\n\r\n..hidden\r\n...two\r\nend.\r\n..\r\n.\r\n"


def test_transmit_in_chunks_keeps_every_byte():
    data = normalised(b"x" * 100_000)
    chunks = list(transmit(data, chunk=65536))
    assert len(chunks) == 2 and b"".join(chunks) == data + b".\r\n"


def test_top_gives_headers_blank_line_and_n_body_lines():
    raw = b"Subject: x\nFrom: a\n\nl1\nl2\nl3\n"
    assert top(raw, 0) == b"Subject: x\r\nFrom: a\r\n\r\n"
    assert top(raw, 2) == b"Subject: x\r\nFrom: a\r\n\r\nl1\r\nl2\r\n"
    assert top(raw, 99) == normalised(raw)
    assert top(b"Subject: only headers", 5) == b"Subject: only headers\r\n"
