"""SMTP that follows the standards (issue 15): what EHLO lists, enhanced status codes on
every reply, BDAT (RFC 3030), DSN parameters (RFC 3461) kept, honoured in our reports and
passed on, submission over implicit TLS (port 465), the trace and required headers, and
8BITMIME kept after STARTTLS to the next server. One server per backend, a loopback DNS
server and an SMTP sink as the remote MX."""

from __future__ import annotations

import asyncio
import base64
import re
import socket
from email import message_from_bytes, policy

import aiosmtplib
import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import login
from tests.e2e.delivery_env import in_folder, publish_mx, raw, until
from tests.e2e.dnsserver import DnsServer
from tests.e2e.mail import client_tls, simple_mail, submission, unique
from tests.e2e.server import PASSWORD
from tests.e2e.smtpsink import Sink

REMOTE = "one.test"
LIMIT = 300_000  # QIYOU_MAX_MESSAGE_SIZE of this server
ENHANCED = re.compile(rb"^[245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}( |$)")


@pytest.fixture(scope="module", params=BACKENDS)
def remote(request, tmp_path_factory):
    dns = DnsServer().start()
    sink = Sink(tmp_path_factory.mktemp("sink")).start()
    publish_mx(dns, REMOTE)
    env = {
        "QIYOU_DNS_SERVERS": dns.address,
        "QIYOU_DNS_TIMEOUT": "2",
        "QIYOU_OUTBOUND_PORT": str(sink.port),
        "QIYOU_OUTBOUND_POLL": "0.2",
        "QIYOU_HOSTNAME": "mail.qiyou.test",
        "QIYOU_MAX_MESSAGE_SIZE": str(LIMIT),
    }
    data_dir = tmp_path_factory.mktemp(f"standards-{request.param}")
    with private_server(request.param, data_dir, env) as srv:
        yield srv, sink
    sink.stop()
    dns.stop()


@pytest.fixture
def server(remote):
    return remote[0]


@pytest.fixture
def sink(remote):
    sink = remote[1]
    sink.dsn = False
    return sink


class Wire:
    """A raw SMTP connection: send bytes, read whole replies."""

    def __init__(self, port: int, tls: bool = False) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.sock = client_tls().wrap_socket(sock) if tls else sock
        self.buffer = b""
        self.greeting = self.reply()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> list[bytes]:
        lines = []
        while True:
            while b"\r\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError(f"closed after {lines!r}")
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            lines.append(line)
            if line[3:4] != b"-":
                return lines

    def command(self, line: bytes) -> list[bytes]:
        self.send(line + b"\r\n")
        return self.reply()

    def close(self) -> None:
        self.sock.close()


def last_line(lines: list[bytes]) -> bytes:
    return lines[-1]


async def stored(server, user: str, subject: str, folder: str = "INBOX") -> bytes:
    client = await login(server.graphql_url, user, PASSWORD)
    [node] = await until(lambda: in_folder(client, subject, folder), 15, subject)
    return await raw(server, client, node["id"])


def header_block(data: bytes) -> str:
    return data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")


# --- EHLO and enhanced status codes --------------------------------------------------


def test_ehlo_lists_the_extensions_and_the_greeting_has_no_status(server):
    wire = Wire(server.smtp_port)
    try:
        assert wire.greeting[0].startswith(b"220 ") and not ENHANCED.match(wire.greeting[0])
        lines = wire.command(b"EHLO client.test")
        words = {line[4:].split(b" ")[0] for line in lines[1:]}
        assert {b"PIPELINING", b"ENHANCEDSTATUSCODES", b"CHUNKING", b"8BITMIME"} <= words
        assert b"DSN" not in words  # the MX delivers only here: no success reports to owe
        assert not any(ENHANCED.match(line) for line in lines)  # RFC 2034: not on EHLO
    finally:
        wire.close()


async def test_submission_lists_dsn_after_starttls(server):
    smtp = await submission(server, user=None)
    try:
        await smtp.ehlo()  # aiosmtplib forgets the extensions at STARTTLS
        for name in ("dsn", "pipelining", "enhancedstatuscodes", "chunking", "auth"):
            assert smtp.supports_extension(name), name
    finally:
        await smtp.quit()


def test_every_builtin_reply_carries_an_enhanced_status_code(server):
    wire = Wire(server.smtp_port)
    try:
        wire.command(b"EHLO client.test")
        pipeline = [
            b"NOOP",
            b"RSET",
            b"VRFY bob",
            b"EXPN staff",
            b"HELP",
            b"FROB",
            b"DATA",
            b"RCPT TO:<bob@example.com>",
            b"MAIL FROM:<a@remote.test> FROB=1",
            b"MAIL FROM:<a@remote.test> BODY=BINARYMIME",
            b"MAIL FROM:<a@remote.test> SIZE=999999999",
            b"MAIL FROM:<a@remote.test>",
            b"MAIL FROM:<b@remote.test>",
            b"RCPT TO:<bob@example.com> NOTIFY=NEVER",
            b"RCPT TO:<nobody@example.com>",
            b"DATA extra",
            b"RSET",
            b"QUIT",
        ]
        wire.send(b"".join(line + b"\r\n" for line in pipeline))
        answers = [last_line(wire.reply()) for _ in pipeline]
        for command, answer in zip(pipeline, answers, strict=True):
            assert ENHANCED.match(answer), (command, answer)
        assert answers[0] == b"250 2.0.0 OK"
        assert answers[6].startswith(b"503 5.5.1")  # DATA before MAIL
        assert answers[7].startswith(b"503 5.5.1")  # RCPT before MAIL
        assert answers[8].startswith(b"555 5.5.4")
        assert answers[10].startswith(b"552 5.3.4")
        assert answers[12].startswith(b"503 5.5.1")  # nested MAIL
        assert answers[13].startswith(b"555 5.5.4")  # no DSN on the MX
        assert answers[14].startswith(b"550 5.1.1")
        assert answers[-1] == b"221 2.0.0 Bye"
    finally:
        wire.close()


def test_helo_answer_has_no_status_but_its_errors_do(server):
    wire = Wire(server.smtp_port)
    try:
        assert wire.command(b"HELO client.test") == [b"250 mail.qiyou.test"]
        assert wire.command(b"HELO")[0].startswith(b"501 5.5.4")
        assert wire.command(b"MAIL FROM:<a@remote.test> SIZE=10")[0].startswith(b"501 5.5.4")
    finally:
        wire.close()


# --- BDAT ----------------------------------------------------------------------------


def _mx_transaction(wire: Wire, rcpts: tuple[str, ...] = ("bob@example.com",)) -> None:
    assert wire.command(b"EHLO client.test")[-1].startswith(b"250 ")
    assert wire.command(b"MAIL FROM:<sender@remote.test>")[0].startswith(b"250 ")
    for rcpt in rcpts:
        assert wire.command(f"RCPT TO:<{rcpt}>".encode())[0].startswith(b"250 ")


async def test_bdat_chunks_make_one_message_byte_for_byte(server):
    subject = unique("bdat")
    message = simple_mail("sender@remote.test", "bob@example.com", subject, "a\r\n.b\r\n" * 50)
    body = message.split(b"\n\n", 1)[1] if b"\r\n\r\n" not in message else b""
    wire = Wire(server.smtp_port)
    try:
        _mx_transaction(wire)
        first, second = message[:100], message[100:]
        # pipelined: both chunks and the empty last one in one write
        wire.send(
            b"BDAT %d\r\n%sBDAT %d\r\n%sBDAT 0 LAST\r\n" % (len(first), first, len(second), second)
        )
        assert wire.reply() == [b"250 2.0.0 100 octets received"]
        assert wire.reply() == [f"250 2.0.0 {len(second)} octets received".encode()]
        assert wire.reply()[0].startswith(b"250 2.0.0 OK: message")
        assert wire.command(b"QUIT") == [b"221 2.0.0 Bye"]
    finally:
        wire.close()
    data = await stored(server, "bob@example.com", subject)
    assert data.endswith(message) or data.endswith(message.replace(b"\n", b"\r\n"))
    assert b"\n.b" in data and (not body or body in data)  # no dot-stuffing undone


def bdat(wire: Wire, chunk: bytes, last: bool = False) -> bytes:
    wire.send(b"BDAT %d%s\r\n%s" % (len(chunk), b" LAST" if last else b"", chunk))
    return last_line(wire.reply())


def test_bdat_errors_are_read_to_the_end_and_answered(server):
    wire = Wire(server.smtp_port)
    try:
        wire.command(b"EHLO client.test")
        # BDAT before MAIL: refused, its 12 octets skipped (they look like commands)
        assert bdat(wire, b"QUIT\r\nQUIT\r\n").startswith(b"503 5.5.1")
        assert wire.command(b"NOOP") == [b"250 2.0.0 OK"]
        assert wire.command(b"BDAT twelve")[0].startswith(b"501 5.5.4")
        assert wire.command(b"BDAT 1 LAST TWICE")[0].startswith(b"501 5.5.4")
        _mx_transaction(wire)
        assert bdat(wire, b"abcd") == b"250 2.0.0 4 octets received"
        assert wire.command(b"DATA")[0].startswith(b"503 5.5.1")  # no mixing
        # over the limit: the chunk is read on, refused, and so is the rest of the message
        assert bdat(wire, b"x" * (LIMIT + 10)).startswith(b"552 5.3.4")
        assert bdat(wire, b"more").startswith(b"503 5.5.1")
        assert bdat(wire, b"xyz", last=True).startswith(b"503 5.5.1")
        # the message is over: a new transaction works on the same connection
        _mx_transaction(wire)
        assert wire.command(b"RSET") == [b"250 2.0.0 OK"]
    finally:
        wire.close()


def test_bdat_size_mismatch_is_answered_never_a_crash(server):
    wire = Wire(server.smtp_port)
    try:
        _mx_transaction(wire)
        # 10 octets announced, 4 sent, then commands: they become the chunk's rest
        wire.send(b"BDAT 10 LAST\r\nabcdNOOP\r\nRSET\r\n")
        answer = wire.reply()[0]  # the 10 octets "abcdNOOP\r\n" make a (bad) message
        assert ENHANCED.match(answer), answer
        assert wire.reply() == [b"250 2.0.0 OK"]  # RSET, in step again
    finally:
        wire.close()
    check = Wire(server.smtp_port)
    try:
        assert check.command(b"NOOP") == [b"250 2.0.0 OK"]
    finally:
        check.close()


# --- DSN parameters --------------------------------------------------------------------


BAD_DSN = [
    b"MAIL FROM:<alice@example.com> RET=ALL",
    b"MAIL FROM:<alice@example.com> RET=FULL RET=HDRS",
    b"MAIL FROM:<alice@example.com> ENVID=a=b",
    b"MAIL FROM:<alice@example.com> ENVID=+0D+0Ainjected",
    b"MAIL FROM:<alice@example.com> ENVID=" + b"x" * 101,
    b"MAIL FROM:<alice@example.com> RET=",
]
BAD_RCPT_DSN = [
    b"RCPT TO:<x@one.test> NOTIFY=NEVER,SUCCESS",
    b"RCPT TO:<x@one.test> NOTIFY=SOMETIMES",
    b"RCPT TO:<x@one.test> NOTIFY=SUCCESS,SUCCESS",
    b"RCPT TO:<x@one.test> ORCPT=x@one.test",
    b"RCPT TO:<x@one.test> ORCPT=rfc822;",
    b"RCPT TO:<x@one.test> ORCPT=rfc822;a+ZZb",
    b"RCPT TO:<x@one.test> NOTIFY=FAILURE NOTIFY=DELAY",
]


def _submission_wire(server) -> Wire:
    wire = Wire(server.submissions_port, tls=True)
    wire.command(b"EHLO client.test")
    token = base64.b64encode(f"\0alice@example.com\0{PASSWORD}".encode())
    assert wire.command(b"AUTH PLAIN " + token)[0].startswith(b"235 2.7.0")
    return wire


def test_malformed_dsn_parameters_are_refused_with_501(server):
    wire = _submission_wire(server)
    try:
        for line in BAD_DSN:
            assert wire.command(line)[0].startswith(b"501 5.5.4"), line
        assert wire.command(b"MAIL FROM:<alice@example.com> RET=hdrs ENVID=q+2Bx")[0].startswith(
            b"250 "
        )
        for line in BAD_RCPT_DSN:
            assert wire.command(line)[0].startswith(b"501 5.5.4"), line
        ok = b"RCPT TO:<x@one.test> NOTIFY=delay,Success ORCPT=rfc822;X+2Bq@one.test"
        assert wire.command(ok)[0].startswith(b"250 2.1.5")
        assert wire.command(b"RSET") == [b"250 2.0.0 OK"]
    finally:
        wire.close()


def _dsn_rows(server, recipient: str) -> str:
    """ret|envid|notify|orcpt|status|bounced|relayed of the recipient's outbound row."""
    return server.sql(
        "SELECT dsn_ret || '|' || dsn_envid || '|' || dsn_notify || '|' || dsn_orcpt || '|'"
        " || status || '|' || (CASE WHEN bounced THEN 1 ELSE 0 END) || '|'"
        " || (CASE WHEN dsn_relayed THEN 1 ELSE 0 END)"
        f" FROM outbound_message WHERE recipient = '{recipient}'"
    )


async def _send_with_dsn(
    server, to: str, subject: str, mail_options: list[str], rcpt_options: list[str]
) -> None:
    smtp = await submission(server)
    try:
        await smtp.mail("alice@example.com", options=mail_options)
        await smtp.rcpt(to, options=rcpt_options)
        await smtp.data(simple_mail("alice@example.com", to, subject))
    finally:
        await smtp.quit()


async def _report(server, subject: str) -> bytes | None:
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    for node in await in_folder(alice, "", "INBOX"):
        data = await raw(server, alice, node["id"])
        if subject.encode() in data and b"delivery-status" in data:
            return data
    return None


async def test_success_report_when_the_next_server_has_no_dsn(server, sink):
    subject = unique("relayed")
    to = f"r{subject.split()[1]}@{REMOTE}"
    await _send_with_dsn(
        server, to, subject, ["RET=HDRS", "ENVID=env+2B1"], ["NOTIFY=SUCCESS,FAILURE",
        f"ORCPT=rfc822;Orig+2B{to}"]
    )  # fmt: skip
    await until(lambda: sink.for_recipient(to), 20, "delivery to the sink")
    report = await until(lambda: _report(server, subject), 20, "the relayed report")
    text = report.decode("utf-8", "replace")
    assert "Action: relayed" in text and "Status: 2.0.0" in text
    assert "Original-Envelope-Id: env+1" in text
    assert f"Original-Recipient: rfc822; Orig+{to}" in text
    assert f"Final-Recipient: rfc822; {to}" in text
    mail = [c for c in sink.commands if c.startswith("MAIL") and "alice" in c][-1]
    assert "RET=" not in mail  # the sink did not advertise DSN: nothing passed on


async def test_delivered_report_for_a_recipient_here(server):
    subject = unique("delivered")
    await _send_with_dsn(
        server, "bob@example.com", subject, ["ENVID=here+2B1"],
        ["NOTIFY=SUCCESS", "ORCPT=rfc822;Bob+2Bx@example.com"],
    )  # fmt: skip
    report = await until(lambda: _report(server, subject), 20, "the delivered report")
    text = report.decode("utf-8", "replace")
    assert "Subject: Successful Mail Delivery Report" in text
    assert "Action: delivered" in text and "Status: 2.0.0" in text
    assert "Original-Envelope-Id: here+1" in text
    assert "Original-Recipient: rfc822; Bob+x@example.com" in text
    assert "Final-Recipient: rfc822; bob@example.com" in text


async def test_dsn_parameters_are_passed_on_and_no_report_of_ours(server, sink):
    sink.dsn = True
    subject = unique("passed")
    to = f"p{subject.split()[1]}@{REMOTE}"
    await _send_with_dsn(server, to, subject, ["RET=FULL", "ENVID=e+2B2"], ["NOTIFY=SUCCESS"])
    await until(lambda: sink.for_recipient(to), 20, "delivery to the sink")
    commands = [c for c in sink.commands if to in c or "e+2B2" in c]
    assert any(c.startswith("MAIL") and "RET=FULL" in c and "ENVID=e+2B2" in c for c in commands)
    rcpt = next(c for c in commands if c.startswith("RCPT"))
    assert "NOTIFY=SUCCESS" in rcpt and f"ORCPT=rfc822;{to}" in rcpt
    await until(lambda: "|sent|" in _dsn_rows(server, to), 10, "the row sent")
    assert _dsn_rows(server, to) == "FULL|e+2|SUCCESS||sent|0|0"
    assert await _report(server, subject) is None


async def test_notify_never_means_no_bounce_and_ret_full_returns_the_message(server, sink):
    never, full = unique("never"), unique("full")
    to_never = f"n{never.split()[1]}@{REMOTE}"
    to_full = f"f{full.split()[1]}@{REMOTE}"
    sink.rcpt_script[to_never] = ["550 5.1.1 no such user"]
    sink.rcpt_script[to_full] = ["550 5.1.1 no such user"]
    await _send_with_dsn(server, to_never, never, [], ["NOTIFY=NEVER"])
    await _send_with_dsn(server, to_full, full, ["RET=FULL"], ["NOTIFY=FAILURE"])
    report = await until(lambda: _report(server, full), 20, "the bounce")
    parsed = message_from_bytes(report, policy=policy.default)
    kinds = [part.get_content_type() for part in parsed.iter_parts()]
    assert kinds == ["text/plain", "message/delivery-status", "message/rfc822"], kinds
    assert b"Content-Transfer-Encoding" in report and full.encode() in report
    # the bounce of the NEVER row was handled (in the same pass or before): none was made
    await until(lambda: _dsn_rows(server, to_never).endswith("|failed|1|0"), 10, "NEVER row")
    assert _dsn_rows(server, to_never) == "||NEVER||failed|1|0"
    assert await _report(server, never) is None


# --- port 465, headers -------------------------------------------------------------------


async def test_submission_over_implicit_tls_adds_received_date_message_id(server):
    subject = unique("tls465")
    smtp = aiosmtplib.SMTP(
        hostname="127.0.0.1", port=server.submissions_port, use_tls=True, tls_context=client_tls()
    )
    await smtp.connect()
    try:
        await smtp.ehlo()
        assert not smtp.supports_extension("starttls")
        await smtp.login("alice@example.com", PASSWORD)
        bare = (
            f"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: {subject}\r\n"
            "Return-Path: <forged@else.test>\r\n\r\nno date, no id\r\n"
        ).encode()
        await smtp.sendmail("alice@example.com", ["bob@example.com"], bare)
    finally:
        await smtp.quit()
    head = header_block(await stored(server, "bob@example.com", subject))
    assert head.startswith("Return-Path: <alice@example.com>\r\nReceived: from ")
    assert "forged@else.test" not in head
    received = head.split("Received:", 1)[1].split("\r\n", 4)
    trace = " ".join(received[:4])
    assert "with ESMTPSA id " in trace and "for <bob@example.com>;" in trace, trace
    assert re.search(r"\r\nDate: \w{3}, \d", head) and "\r\nMessage-ID: <" in head


async def test_mx_mail_gets_return_path_and_received_for_one_recipient(server):
    one, two = unique("mx-one"), unique("mx-two")
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=server.smtp_port, start_tls=False)
    await smtp.connect()
    try:
        message = b"Return-Path: <fake@x.test>\r\n" + simple_mail(
            "s@remote.test", "bob@example.com", one
        )
        await smtp.sendmail("s@remote.test", ["bob@example.com"], message)
        await smtp.sendmail(
            "s@remote.test",
            ["bob@example.com", "alice@example.com"],
            simple_mail("s@remote.test", "bob@example.com", two),
        )
    finally:
        await smtp.quit()
    head = header_block(await stored(server, "bob@example.com", one))
    assert head.startswith("Return-Path: <s@remote.test>\r\nReceived: from ")
    assert "fake@x.test" not in head
    assert re.search(r"with ESMTP id [0-9A-F]{12}\r\n\tfor <bob@example.com>;", head), head
    head = header_block(await stored(server, "bob@example.com", two))
    received = head.split("Received:", 1)[1].split(";", 1)[0]
    assert "with ESMTP id" in received and " for " not in received


async def test_8bitmime_survives_starttls_to_the_next_server(server, sink):
    subject = unique("8bit")
    to = f"e{subject.split()[1]}@{REMOTE}"
    message = (
        f"From: alice@example.com\r\nTo: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "你好，世界\r\n"
    ).encode()
    smtp = await submission(server)
    try:
        await smtp.sendmail("alice@example.com", [to], message)
    finally:
        await smtp.quit()
    [got] = await until(lambda: sink.for_recipient(to), 20, "delivery to the sink")
    assert got.tls
    mail = [c for c in sink.commands if c.startswith("MAIL") and "alice" in c][-1]
    assert "BODY=8BITMIME" in mail.upper(), mail
    assert "你好".encode() in got.data
    assert b"Return-Path:" not in got.data.split(b"\r\n\r\n", 1)[0]  # ours stays here
    assert b"Received: from" in got.data


def test_tls_port_refuses_plain_text(server):
    sock = socket.create_connection(("127.0.0.1", server.submissions_port), timeout=10)
    try:
        sock.sendall(b"EHLO plain.test\r\n")
        sock.settimeout(10)
        try:
            answer = sock.recv(100)
        except (ConnectionResetError, TimeoutError, OSError):
            answer = b""
        assert not answer.startswith(b"2")
    finally:
        sock.close()
    wire = Wire(server.submissions_port, tls=True)
    try:
        assert wire.greeting[0].startswith(b"220 ")
        assert wire.command(b"MAIL FROM:<alice@example.com>")[0].startswith(b"503 5.5.1")
    finally:
        wire.close()


async def test_pipelined_garbage_after_bdat_last_does_not_lose_the_message(server):
    subject = unique("bdat-pipe")
    message = simple_mail("sender@remote.test", "bob@example.com", subject)
    message = message.replace(b"\n", b"\r\n") if b"\r\n" not in message else message
    reader, writer = await asyncio.open_connection("127.0.0.1", server.smtp_port)
    try:
        await reader.readline()
        writer.write(
            b"EHLO c.test\r\nMAIL FROM:<sender@remote.test>\r\nRCPT TO:<bob@example.com>\r\n"
            + b"BDAT %d LAST\r\n" % len(message)
            + message
            + b"\x00\xff garbage\r\nQUIT\r\n"
        )
        await writer.drain()
        answers = (await asyncio.wait_for(reader.read(), 15)).split(b"\r\n")
    finally:
        writer.close()
    accepted = [a for a in answers if a.startswith(b"250 2.0.0 OK: message")]
    assert len(accepted) == 1, answers
    assert any(a.startswith(b"500 5.5.2") for a in answers), answers
    assert answers[-2] == b"221 2.0.0 Bye"
    await stored(server, "bob@example.com", subject)
