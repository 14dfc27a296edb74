"""Fuzzing the SMTP command parser: random and mutated command lines, one by one and
pipelined, against a real MX (QiyouSMTP with the real inbound handler).

Every reply must be a well-formed SMTP reply (three digits, then a space or a hyphen on
every line), one per command; no handler exception may leak into a reply (aiosmtpd's
``500 Error: (TypeError) ...``); a connection may only end after a reply that says so
(221, 421, 502 goodbye); and afterwards the server still greets, answers NOOP and
``/health``. The server is a private one on SQLite: the few mails the fuzzer manages to
deliver go to no other test's mailbox.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import private_server
from tests.e2e.server import Server

REPLY_LINE = re.compile(rb"\A[2-5][0-9][0-9]([ -][^\r\n]*)?\Z")
CLOSING = (b"221", b"421", b"502 5.5.1 Too many")  # replies after which the server hangs up
# Commands that change how the next lines are read: never in the middle of a pipeline.
MODE_CHANGERS = {b"DATA", b"AUTH", b"STARTTLS", b"BDAT", b"QUIT"}

VERBS = [
    b"HELO", b"EHLO", b"MAIL FROM:", b"RCPT TO:", b"DATA", b"RSET", b"NOOP", b"VRFY",
    b"EXPN", b"HELP", b"QUIT", b"AUTH", b"AUTH PLAIN", b"AUTH LOGIN", b"STARTTLS", b"BDAT",
    b"XCLIENT", b"mail from:", b"rcpt to:", b"ehlo", b"",
]  # fmt: skip
GOOD_LINES = [
    b"EHLO client.test",
    b"MAIL FROM:<sender@remote.test>",
    b"MAIL FROM:<> SIZE=100 BODY=8BITMIME",
    b"RCPT TO:<bob@example.com>",
    b"RCPT TO:<nobody@example.com>",
    b"RCPT TO:<someone@elsewhere.test>",
    b"DATA",
    b"RSET",
    b"NOOP",
]
TRICKY = [
    b"<", b">", b"<>", b"@", b":", b"\x00", b"\r", b"\t", b"\x7f", b"\xff", b"\xe5\xbc\xa0",
    b"=", b" SIZE=", b" SMTPUTF8", b"(", b")", b'"', b"[1.2.3.4]", b"%", b"\x1b[0m", b" " * 10,
]  # fmt: skip

no_newline = st.binary(max_size=80).map(lambda b: b.replace(b"\n", b""))
argument = st.lists(st.one_of(st.sampled_from(TRICKY), no_newline), max_size=6).map(b"".join)
random_line = st.builds(lambda verb, arg: verb + arg, st.sampled_from(VERBS), argument)


@st.composite
def mutated_line(draw) -> bytes:
    """A valid command with bytes inserted, removed or replaced at one place."""
    line = draw(st.sampled_from(GOOD_LINES))
    at = draw(st.integers(0, len(line)))
    cut = draw(st.integers(0, 3))
    return line[:at] + draw(st.sampled_from(TRICKY)) + line[at + cut :]


line = st.one_of(random_line, mutated_line(), st.sampled_from(GOOD_LINES), no_newline)
batch = st.lists(line, min_size=1, max_size=6)


def verb(command: bytes) -> bytes:
    return command.split(b" ", 1)[0].strip().upper()


def bdat_size(line: bytes) -> int | None:
    """The chunk size the server reads after this line, if it is a well-formed BDAT."""
    command, _, arg = line.rstrip(b"\r\n").partition(b" ")
    if command.upper() != b"BDAT":
        return None
    match = re.fullmatch(rb"([0-9]{1,18})(?:[ \t]+LAST)?", arg.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


@pytest.fixture(scope="module")
def mx_server(tmp_path_factory) -> Iterator[Server]:
    with private_server("sqlite", tmp_path_factory.mktemp("fuzz-smtp")) as srv:
        yield srv


class Session:
    """A raw connection that reads whole replies and checks each line's form."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""
        self.closed = False
        greeting = self.reply()
        assert greeting.startswith(b"220 "), greeting

    def reply(self) -> bytes:
        """One whole reply (its lines joined by CRLF); b"" if the server closed instead."""
        lines = []
        while True:
            while b"\r\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    assert not self.buffer, f"partial reply before EOF: {self.buffer!r}"
                    self.closed = True
                    return b""
                self.buffer += chunk
            first, self.buffer = self.buffer.split(b"\r\n", 1)
            assert REPLY_LINE.match(first), f"malformed reply line {first!r}"
            assert b"Error: (" not in first, f"an exception leaked into a reply: {first!r}"
            lines.append(first)
            if first[3:4] != b"-":
                return b"\r\n".join(lines)

    def send(self, lines: list[bytes]) -> None:
        self.sock.sendall(b"".join(line + b"\r\n" for line in lines))

    def close(self) -> None:
        self.sock.close()


def play(port: int, batches: list[list[bytes]]) -> None:
    session = Session(port)
    try:
        for lines in batches:
            if len(lines) > 1:  # a pipeline: only commands that keep the line mode
                lines = [one for one in lines if verb(one) not in MODE_CHANGERS] or lines[:1]
            session.send(lines)
            if len(lines) == 1 and (size := bdat_size(lines[0])) is not None:
                session.sock.sendall(b"x" * size)  # the chunk the BDAT announced
            for _ in lines:
                answer = session.reply()
                assert answer, "the connection ended without a closing reply"
                if answer.startswith(CLOSING):
                    assert session.reply() == b"", "the server went on after saying goodbye"
                    return
                if answer.startswith(b"354"):  # DATA: a small message, then the lone dot
                    session.send([b"Subject: fuzz", b"", b"body", b"."])
                    ending = session.reply()
                    assert ending[:1] in (b"2", b"4", b"5"), ending
                elif answer.startswith(b"334"):  # AUTH challenge: cancel it
                    session.send([b"*"])
                    assert session.reply()[:1] in (b"4", b"5")
                elif answer.startswith(b"220"):  # STARTTLS accepted: the plain part is over
                    return
    finally:
        session.close()


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(batch, min_size=1, max_size=5))
@example(batches=[[b"VRFY          <<\x80"]])  # echoed back: an undecodable byte, not UTF-8
def test_every_command_line_gets_a_well_formed_reply(mx_server, batches):
    play(mx_server.smtp_port, [[b"EHLO fuzz.test"], *batches])


def test_the_server_still_answers_after_the_fuzzing(mx_server):
    play(mx_server.smtp_port, [[b"EHLO fuzz.test"], [b"\x00" * 600], [b"NOOP"]])
    session = Session(mx_server.smtp_port)
    try:
        session.send([b"NOOP"])
        assert session.reply().startswith(b"250")
    finally:
        session.close()
    assert httpx.get(f"{mx_server.url}/health", timeout=5).status_code == 200
