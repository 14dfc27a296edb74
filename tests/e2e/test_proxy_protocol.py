"""PROXY protocol on the SMTP, IMAP and POP3 ports (docs/proxy-protocol.md): 127.0.0.1
plays a trusted TCP load balancer (``QIYOU_PROXY_PROTOCOL_FROM``), 127.0.0.2 an ordinary
client. Headers are built by hand from HAProxy's specification. example.com's SPF record
passes only for the client address the header names, so a stored mail proves which address
SPF saw; logins record the address IMAP and POP3 saw. ``Balancer`` relays real clients as
HAProxy's ``send-proxy-v2`` does, the TLS client's first bytes in the header's segment."""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import poplib
import smtplib
import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import private_server
from tests.e2e.client import GraphQLClient, login
from tests.e2e.delivery_env import raw
from tests.e2e.dnsserver import DnsServer
from tests.e2e.mail import client_tls, find, simple_mail, unique
from tests.e2e.server import PASSWORD, Server
from tests.e2e.test_settings import qiyou, refused

SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
LOGINS = "{ myLogins(first: 20) { edges { node { client ip success } } } }"
CLIENT = "203.0.113.7"  # the only address example.com's SPF allows
TRUSTED = "127.0.0.1"
UNTRUSTED = "127.0.0.2"


def v2_header(source: str, source_port: int = 40123, dest: str = "192.0.2.1") -> bytes:
    """PROXY v2, command PROXY (0x21), TCP over IPv4 (0x11), 12 address bytes."""
    addresses = (
        ipaddress.IPv4Address(source).packed
        + ipaddress.IPv4Address(dest).packed
        + struct.pack("!HH", source_port, 25)
    )
    return SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", len(addresses)) + addresses


def v1_header(source: str) -> bytes:
    return f"PROXY TCP4 {source} 192.0.2.1 40123 25\r\n".encode()


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    server = DnsServer().start()
    server.set("example.com", "TXT", [f'"v=spf1 ip4:{CLIENT} -all"'])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def srv(dns: DnsServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {
        "QIYOU_DNS_SERVERS": dns.address,
        "QIYOU_DNS_TIMEOUT": "2",
        "QIYOU_PROXY_PROTOCOL_FROM": f"{TRUSTED}/32, 10.0.0.0/8",
    }
    with private_server("sqlite", tmp_path_factory.mktemp("proxy-protocol"), env) as server:
        yield server


def connect(port: int, source: str, first: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    if first:
        sock.sendall(first)
    return sock


def smtp_over(sock: socket.socket) -> smtplib.SMTP:
    """smtplib on a connected socket (after the PROXY header), greeting read."""
    smtp = smtplib.SMTP(local_hostname="client.test")
    smtp.sock = sock
    smtp._host = "localhost"  # the name STARTTLS checks the certificate against
    code, message = smtp.getreply()
    assert code == 220, message
    return smtp


class Balancer:
    """A TCP load balancer on loopback in front of ``port``: each client's connection is
    opened from 127.0.0.1 with a PROXY v2 header naming ``client``. With ``client_first`` (a
    TLS port) it waits for the client's first bytes and sends them with the header in one
    write, as a balancer that connects when the client has spoken does."""

    def __init__(self, port: int, client: str, client_first: bool) -> None:
        self.upstream, self.client, self.client_first = port, client, client_first
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(conn,), daemon=True).start()

    def _relay(self, conn: socket.socket) -> None:
        first = conn.recv(65536) if self.client_first else b""
        upstream = connect(self.upstream, TRUSTED, v2_header(self.client) + first)
        back = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
        back.start()
        _pipe(conn, upstream)
        back.join()
        conn.close()
        upstream.close()

    def close(self) -> None:
        self.listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def balancer(port: int, client: str, client_first: bool) -> Iterator[Balancer]:
    front = Balancer(port, client, client_first)
    try:
        yield front
    finally:
        front.close()


async def last_login(client: GraphQLClient, kind: str) -> dict:
    edges = (await client.data(LOGINS))["myLogins"]["edges"]
    return next(e["node"] for e in edges if e["node"]["client"] == kind)


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


@pytest.fixture
async def bob_client(srv: Server) -> GraphQLClient:
    return await login(srv.graphql_url, "bob@example.com", PASSWORD)


async def stored(srv: Server, client: GraphQLClient, subject: str) -> str:
    node = await find(client, subject)
    assert node is not None, f"{subject} was not stored"
    return (await raw(srv, client, node["id"])).decode("utf-8", "replace")


async def test_the_header_of_a_trusted_balancer_names_the_client_spf_checks(srv, bob_client):
    subject = unique("behind the balancer")
    smtp = smtp_over(connect(srv.smtp_port, TRUSTED, v2_header(CLIENT)))
    smtp.sendmail(
        "news@example.com",
        ["bob@example.com"],
        simple_mail("news@example.com", "bob@example.com", subject),
    )
    smtp.quit()

    message = await stored(srv, bob_client, subject)
    assert f"Received: from client.test ([{CLIENT}])" in message
    assert f"[{TRUSTED}]" not in message
    assert "spf=pass" in message


async def test_without_the_header_the_same_mail_fails_spf(srv, bob_client):
    """What the header changes: straight from 127.0.0.2 the claim of example.com is refused."""
    sock = connect(srv.smtp_port, UNTRUSTED)
    smtp = smtp_over(sock)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        smtp.sendmail(
            "news@example.com",
            ["bob@example.com"],
            simple_mail("news@example.com", "bob@example.com", unique("direct")),
        )
    assert refused.value.smtp_code == 550
    smtp.quit()


async def test_version_1_headers_are_accepted_too(srv, bob_client):
    subject = unique("v1 header")
    smtp = smtp_over(connect(srv.smtp_port, TRUSTED, v1_header(CLIENT)))
    smtp.sendmail(
        "news@example.com",
        ["bob@example.com"],
        simple_mail("news@example.com", "bob@example.com", subject),
    )
    smtp.quit()
    assert f"([{CLIENT}])" in await stored(srv, bob_client, subject)


async def test_an_untrusted_peers_header_is_not_believed(srv, bob_client):
    # v2: its signature is lines of nonsense ending in QUIT: errors, then goodbye.
    sock = connect(srv.smtp_port, UNTRUSTED, v2_header(CLIENT))
    answer = read_all(sock).decode()
    assert answer.startswith("220 "), answer
    assert "\r\n500 " in answer and "\r\n221 " in answer, answer
    # v1: an unknown command; the session goes on as 127.0.0.2, which SPF refuses.
    smtp = smtp_over(connect(srv.smtp_port, UNTRUSTED))
    code, _ = smtp.docmd(v1_header(CLIENT).decode().strip())
    assert code == 500
    with pytest.raises(smtplib.SMTPDataError) as refused:
        smtp.sendmail(
            "news@example.com",
            ["bob@example.com"],
            simple_mail("news@example.com", "bob@example.com", unique("forged")),
        )
    assert refused.value.smtp_code == 550
    smtp.quit()


@pytest.mark.parametrize(
    "garbage",
    [
        b"EHLO client.test\r\n",  # no header at all
        SIGNATURE + bytes([0x21, 0x11, 0x00, 0x04]) + b"\x01\x02\x03\x04",  # addresses cut
        SIGNATURE + bytes([0x31, 0x11, 0x00, 0x0C]) + bytes(12),  # version 3
        b"PROXY TCP4 not-an-address 192.0.2.1 1 25\r\n",
    ],
    ids=["smtp-first", "short-addresses", "bad-version", "bad-v1"],
)
async def test_a_trusted_peer_without_a_valid_header_is_closed_with_a_log_line(srv, garbage):
    before = (srv.data_dir / "server.log").read_text().count("invalid PROXY handshake")
    sock = connect(srv.smtp_port, TRUSTED, garbage)
    assert read_all(sock) == b"", "no greeting: closed at once"
    log = (srv.data_dir / "server.log").read_text()
    assert log.count("invalid PROXY handshake") == before + 1


async def test_submission_behind_the_balancer_sees_the_client(srv, bob_client):
    subject = unique("submitted behind the balancer")
    smtp = smtp_over(connect(srv.submission_port, TRUSTED, v2_header("198.51.100.9")))
    smtp.starttls(context=client_tls())
    smtp.login("alice@example.com", PASSWORD)
    smtp.sendmail(
        "alice@example.com",
        ["bob@example.com"],
        simple_mail("alice@example.com", "bob@example.com", subject),
    )
    smtp.quit()
    assert "([198.51.100.9])" in await stored(srv, bob_client, subject)


async def test_implicit_tls_submission_behind_the_balancer(srv, bob_client):
    subject = unique("465 behind the balancer")
    sock = connect(srv.submissions_port, TRUSTED, v2_header("198.51.100.10"))
    tls = client_tls().wrap_socket(sock, server_hostname="localhost")
    smtp = smtp_over(tls)
    smtp.login("alice@example.com", PASSWORD)
    smtp.sendmail(
        "alice@example.com",
        ["bob@example.com"],
        simple_mail("alice@example.com", "bob@example.com", subject),
    )
    smtp.quit()
    assert "([198.51.100.10])" in await stored(srv, bob_client, subject)


async def test_implicit_tls_from_an_ordinary_client_is_unchanged(srv, bob_client):
    subject = unique("465 direct")
    sock = connect(srv.submissions_port, UNTRUSTED)
    tls = client_tls().wrap_socket(sock, server_hostname="localhost")
    smtp = smtp_over(tls)
    smtp.login("alice@example.com", PASSWORD)
    smtp.sendmail(
        "alice@example.com",
        ["bob@example.com"],
        simple_mail("alice@example.com", "bob@example.com", subject),
    )
    smtp.quit()
    assert f"([{UNTRUSTED}])" in await stored(srv, bob_client, subject)


async def test_implicit_tls_with_the_handshake_in_the_headers_segment(srv, bob_client):
    subject = unique("465 coalesced")
    with balancer(srv.submissions_port, "198.51.100.11", client_first=True) as front:
        smtp = smtplib.SMTP_SSL("127.0.0.1", front.port, context=client_tls(), timeout=10)
        smtp.login("alice@example.com", PASSWORD)
        smtp.sendmail(
            "alice@example.com",
            ["bob@example.com"],
            simple_mail("alice@example.com", "bob@example.com", subject),
        )
        smtp.quit()
    assert "([198.51.100.11])" in await stored(srv, bob_client, subject)


async def test_imap_behind_the_balancer_records_the_clients_address(srv, bob_client):
    with balancer(srv.imaps_port, "198.51.100.21", client_first=True) as front:
        imap = imaplib.IMAP4_SSL("127.0.0.1", front.port, ssl_context=client_tls(), timeout=10)
        imap.login("bob@example.com", PASSWORD)
        assert imap.select("INBOX")[0] == "OK"
        imap.logout()
    assert await last_login(bob_client, "IMAP") == {
        "client": "IMAP",
        "ip": "198.51.100.21",
        "success": True,
    }

    with balancer(srv.imap_port, "198.51.100.22", client_first=False) as front:
        imap = imaplib.IMAP4("127.0.0.1", front.port, timeout=10)
        imap.starttls(client_tls())
        imap.login("bob@example.com", PASSWORD)
        imap.logout()
    assert (await last_login(bob_client, "IMAP"))["ip"] == "198.51.100.22"

    # An ordinary client of the implicit-TLS port is served as before.
    tls = client_tls().wrap_socket(connect(srv.imaps_port, UNTRUSTED), server_hostname="x")
    assert tls.recv(4096).startswith(b"* OK")
    tls.close()


async def test_pop3_behind_the_balancer_records_the_clients_address(srv, bob_client):
    with balancer(srv.pop3s_port, "198.51.100.31", client_first=True) as front:
        pop = poplib.POP3_SSL("127.0.0.1", front.port, context=client_tls(), timeout=10)
        pop.user("bob@example.com")
        pop.pass_(PASSWORD)
        pop.quit()
    assert await last_login(bob_client, "POP3") == {
        "client": "POP3",
        "ip": "198.51.100.31",
        "success": True,
    }


@pytest.mark.parametrize("port", ["imap_port", "imaps_port", "pop3_port", "pop3s_port"])
async def test_imap_and_pop3_close_a_trusted_peer_without_a_header(srv, port):
    before = (srv.data_dir / "server.log").read_text().count("invalid PROXY handshake from")
    sock = connect(getattr(srv, port), TRUSTED, b"A1 CAPABILITY\r\n")
    assert read_all(sock) == b"", "no greeting: closed at once"
    log = (srv.data_dir / "server.log").read_text()
    assert log.count("invalid PROXY handshake from") == before + 1


def test_a_bad_balancer_address_is_told_in_one_line(tmp_path):
    result = qiyou(tmp_path, {"QIYOU_PROXY_PROTOCOL_FROM": "10.0.0.0/8, balancer.local"}, "serve")
    line = refused(result)
    assert line == (
        "qiyou: QIYOU_PROXY_PROTOCOL_FROM='balancer.local': expected IP addresses or CIDR networks"
    )
