"""Connection limits and timeouts on every listener (issue 13, finding 5).

Each test starts a server of its own with small limits or short timeouts and plays the
attack: too many connections from one address or in all, an idle SMTP client, a stalled
DATA, an HTTP client dribbling its request head. The server must answer each one with a
word (SMTP 421, HTTP 503/408) and close, and keep serving others.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from mailcore.protocols.smtp import replies
from tests.conftest import BACKENDS, private_server
from tests.e2e.server import Server

HOSTNAME = "localhost"  # the test servers' QIYOU_HOSTNAME default
WAIT = 10.0  # seconds any expected close may take at most


@pytest.fixture(scope="module", params=BACKENDS)
def limited(request, tmp_path_factory) -> Iterator[Server]:
    """A server with small connection limits: 3 per IP on every listener, 5 on the MX in
    all, and short timeouts (SMTP commands 2 s, DATA 1 s, HTTP head 1 s, keep-alive 1 s)."""
    env = {
        "QIYOU_SMTP_MAX_CONNECTIONS_PER_IP": "3",
        "QIYOU_SMTP_MAX_CONNECTIONS": "5",
        "QIYOU_SUBMISSION_MAX_CONNECTIONS_PER_IP": "3",
        "QIYOU_HTTP_MAX_CONNECTIONS_PER_IP": "3",
        "QIYOU_SMTP_COMMAND_TIMEOUT": "2",
        "QIYOU_SMTP_DATA_TIMEOUT": "1",
        "QIYOU_HTTP_HEADER_TIMEOUT": "1",
        "QIYOU_HTTP_KEEPALIVE_TIMEOUT": "1",
    }
    data_dir = tmp_path_factory.mktemp(f"limits-{request.param}")
    with private_server(request.param, data_dir, env) as srv:
        yield srv


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT, source_address=(source, 0))


def read_reply(sock: socket.socket) -> str:
    """One SMTP reply (the last line of a multi-line one), or "" on EOF."""
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data.decode()
        data += chunk
        lines = data.split(b"\r\n")
        if len(lines) > 1 and len(lines[-2]) >= 4 and lines[-2][3:4] == b" ":
            return lines[-2].decode()


def read_to_eof(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (the socket's timeout bounds the wait)."""
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def greeted(sock: socket.socket) -> socket.socket:
    assert read_reply(sock).startswith("220 ")
    return sock


def command(sock: socket.socket, line: str) -> str:
    sock.sendall(line.encode() + b"\r\n")
    return read_reply(sock)


def fill_mx(server: Server, stack: ExitStack) -> list[socket.socket]:
    """Five greeted MX connections from 127.0.0.2-6: the listener's total. The server may
    still be closing connections of an earlier test: until all five are greeted, close
    them and try again."""
    deadline = time.monotonic() + WAIT
    while True:
        with ExitStack() as attempt:
            socks = [
                attempt.enter_context(connect(server.smtp_port, f"127.0.0.{n}"))
                for n in range(2, 7)
            ]
            if all(read_reply(sock).startswith("220 ") for sock in socks):
                stack.push(attempt.pop_all())
                return socks
        assert time.monotonic() < deadline, "the MX never had room for five connections"
        time.sleep(0.1)


@pytest.mark.parametrize("listener", ["smtp_port", "submission_port"])
def test_smtp_connection_over_the_per_ip_limit_gets_421(limited, listener):
    port, address = getattr(limited, listener), "127.0.1.1"
    with ExitStack() as stack:
        for _ in range(3):
            greeted(stack.enter_context(connect(port, address)))
        with connect(port, address) as fourth:
            answer = read_to_eof(fourth)
        assert answer == replies.TOO_MANY_FROM_IP.format(hostname=HOSTNAME).encode() + b"\r\n"
        # Another address is still served.
        with connect(port, "127.0.1.2") as other:
            greeted(other)
    # Once they are gone (the server sees the three close), the address is served again.
    deadline = time.monotonic() + WAIT
    while True:
        with connect(port, address) as again:
            if read_reply(again).startswith("220 "):
                break
        assert time.monotonic() < deadline, "the address was never served again"
        time.sleep(0.1)


def test_mx_over_the_global_limit_gets_421_try_again_later(limited):
    with ExitStack() as stack:
        # Five connections from five addresses, each in a transaction (not idle, so none is
        # closed to make room): the listener is full.
        for sock in fill_mx(limited, stack):
            assert command(sock, "EHLO client.test").startswith("250 ")
            assert command(sock, "MAIL FROM:<a@remote.test>").startswith("250 ")
        with connect(limited.smtp_port, "127.0.0.7") as sixth:
            answer = read_to_eof(sixth)
        assert answer == replies.TOO_MANY_CONNECTIONS.format(hostname=HOSTNAME).encode() + b"\r\n"


def test_a_full_mx_closes_its_longest_idle_connection_for_a_new_client(limited):
    with ExitStack() as stack:
        idle = fill_mx(limited, stack)
        # A connection idle for less than a second is not closed for another: until the
        # first one has idled that long, a new client is told to come back later.
        deadline = time.monotonic() + WAIT
        while True:
            assert time.monotonic() < deadline, "no idle connection was closed to make room"
            with connect(limited.smtp_port, "127.0.0.9") as new:
                first = read_reply(new)
                if first.startswith("220 "):
                    assert command(new, "NOOP").startswith("250 ")
                    break
                assert first == replies.TOO_MANY_CONNECTIONS.format(hostname=HOSTNAME)
        closed = read_to_eof(idle[0])
        assert closed == replies.IDLE_CLOSED.format(hostname=HOSTNAME).encode() + b"\r\n"


def test_idle_smtp_connection_is_closed_with_421_after_the_command_timeout(limited):
    with connect(limited.smtp_port) as sock:
        greeted(sock)
        assert command(sock, "EHLO client.test").startswith("250 ")
        started = time.monotonic()
        answer = read_to_eof(sock)
        assert answer == replies.TIMEOUT.format(hostname=HOSTNAME).encode() + b"\r\n"
        assert 1.5 < time.monotonic() - started < WAIT


def test_stalled_data_is_closed_with_421_after_the_data_timeout(limited):
    with connect(limited.smtp_port) as sock:
        greeted(sock)
        assert command(sock, "EHLO client.test").startswith("250 ")
        assert command(sock, "MAIL FROM:<a@remote.test>").startswith("250 ")
        assert command(sock, "RCPT TO:<bob@example.com>").startswith("250 ")
        assert command(sock, "DATA").startswith("354 ")
        sock.sendall(b"Subject: slow\r\n\r\nfirst line\r\n")
        started = time.monotonic()
        answer = read_to_eof(sock)
        assert answer == replies.TIMEOUT.format(hostname=HOSTNAME).encode() + b"\r\n"
        assert time.monotonic() - started < 1.9  # the DATA timeout (1 s), not the command one


def test_slow_data_that_keeps_coming_is_not_cut(limited):
    """The DATA timeout counts silence, not the whole upload: a body sent in pieces over
    more than the timeout is accepted."""
    with connect(limited.smtp_port) as sock:
        greeted(sock)
        assert command(sock, "EHLO client.test").startswith("250 ")
        assert command(sock, "MAIL FROM:<a@remote.test>").startswith("250 ")
        assert command(sock, "RCPT TO:<bob@example.com>").startswith("250 ")
        assert command(sock, "DATA").startswith("354 ")
        sock.sendall(b"From: a@remote.test\r\nSubject: slow but steady\r\n\r\n")
        for n in range(6):  # 6 x 0.4 s = 2.4 s in all, more than the 1 s DATA timeout
            sock.sendall(f"line {n}\r\n".encode())
            time.sleep(0.4)  # the client's pace is what is tested here
        assert command(sock, ".").startswith("250 ")


def test_http_connection_over_the_per_ip_limit_gets_503(limited):
    address = "127.0.2.1"
    with ExitStack() as stack:
        held = [stack.enter_context(connect(limited.http_port, address)) for _ in range(3)]
        for sock in held:  # each one busy with a request in progress (body still to come)
            sock.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        with connect(limited.http_port, address) as fourth:
            fourth.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = read_to_eof(fourth)
        assert answer.startswith(b"HTTP/1.1 503 ")
        assert b"Too many connections" in answer


def test_http_request_head_dribbled_byte_by_byte_is_cut_after_the_header_timeout(limited):
    with connect(limited.http_port) as sock:
        sock.settimeout(0.05)
        started = time.monotonic()
        head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
        closed = b""
        for byte in head:  # one byte every 0.05 s: the slowloris attack
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            try:
                closed = sock.recv(4096)
            except TimeoutError:
                continue
            break
        elapsed = time.monotonic() - started
        assert closed.startswith(b"HTTP/1.1 408 "), closed
        assert elapsed < 5


def test_http_keep_alive_connection_is_closed_after_the_idle_timeout(limited):
    with connect(limited.http_port) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        started = time.monotonic()
        answer = read_to_eof(sock)  # the response, then the close after 1 s of idleness
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert time.monotonic() - started < 3  # uvicorn's default would be 5 s
