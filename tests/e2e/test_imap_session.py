"""IMAP wire and session from outside: Python's imaplib and a raw TLS socket against a real
server. Login only after TLS (STARTTLS or IMAPS), SASL-IR, every command with wrong
arguments, literals over the limits, capabilities, COMPRESS=DEFLATE, and the mailboxes
(LIST/STATUS/CREATE/RENAME/DELETE/SUBSCRIBE/APPEND) seen through GraphQL and back."""

from __future__ import annotations

import base64
import imaplib
import re
import signal
import socket
import ssl
import threading
import time
import uuid
import zlib

import pytest

from tests.e2e.client import login
from tests.e2e.mail import client_tls, find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD, seed

FOLDERS = "{ folders { id name role parentId total unread } }"
CREATE_FOLDER = """
mutation C($name: String!) { createFolder(name: $name) { __typename } }
"""


@pytest.fixture(scope="module")
def member(server):
    email = f"imap-{uuid.uuid4().hex[:8]}@example.com"
    seed(server, members={email: {}})
    return email


def imaps(server, user: str | None = None) -> imaplib.IMAP4_SSL:
    client = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=client_tls(), timeout=30)
    if user:
        client.login(user, PASSWORD)
    return client


class Raw:
    """A line-level IMAP client over TLS, for what imaplib will not send."""

    def __init__(self, server, port: int | None = None) -> None:
        sock = socket.create_connection(("127.0.0.1", port or server.imaps_port), timeout=30)
        self.sock = client_tls().wrap_socket(sock)
        self.file = self.sock.makefile("rb")
        self.greeting = self.file.readline()
        self.n = 0

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> bytes:
        return self.file.readline()

    def command(self, text: bytes | str) -> tuple[list[bytes], bytes]:
        """Send ``tag text`` and read to the tagged answer: (untagged lines, tagged line)."""
        self.n += 1
        tag = f"t{self.n}".encode()
        data = text.encode() if isinstance(text, str) else text
        self.send(tag + b" " + data + b"\r\n")
        return self.until(tag)

    def until(self, tag: bytes) -> tuple[list[bytes], bytes]:
        untagged = []
        while True:
            line = self.line()
            assert line, "connection closed"
            if line.startswith(tag + b" "):
                return untagged, line
            untagged.append(line)

    def login(self, email: str) -> None:
        _, done = self.command(f'LOGIN "{email}" "{PASSWORD}"')
        assert done.split()[1] == b"OK", done

    def close(self) -> None:
        self.sock.close()


def caps(line: bytes | str) -> set[str]:
    text = line.decode() if isinstance(line, bytes) else line
    found = re.search(r"CAPABILITY ([^\]\r\n]*)", text)
    assert found, text
    return set(found.group(1).split())


def test_login_refused_before_tls_then_starttls_logs_in(server, member):
    client = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=30)
    before = set(client.capabilities)
    assert {"STARTTLS", "LOGINDISABLED", "IMAP4REV2", "IMAP4REV1"} <= before
    assert not any(c.startswith("AUTH=") for c in before)
    with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
        client.login(member, PASSWORD)
    client.starttls(client_tls())
    after_tls = set(client.capabilities)
    assert {"AUTH=PLAIN", "AUTH=LOGIN"} <= after_tls and "STARTTLS" not in after_tls
    assert "LOGINDISABLED" not in after_tls
    typ, data = client.login(member, PASSWORD)
    assert typ == "OK" and b"[CAPABILITY" in data[0]
    logged_in = caps(data[0])
    for cap in ("IDLE", "NAMESPACE", "ENABLE", "LITERAL+", "SPECIAL-USE", "LIST-STATUS"):
        assert cap in logged_in
    assert "APPENDLIMIT=12582912" in logged_in  # QIYOU_MAX_MESSAGE_SIZE of the test server
    assert client.namespace()[1] == [b'(("" "/")) NIL NIL']
    client.logout()


def test_authenticate_plain_with_initial_response_and_login_mechanism(server, member):
    raw = Raw(server)
    assert {"AUTH=PLAIN", "SASL-IR"} <= caps(raw.greeting)
    wrong = base64.b64encode(f"\0{member}\0nope".encode()).decode()
    _, done = raw.command(f"AUTHENTICATE PLAIN {wrong}")
    assert done.split()[1:3] == [b"NO", b"[AUTHENTICATIONFAILED]"], done
    good = base64.b64encode(f"\0{member}\0{PASSWORD}".encode()).decode()
    _, done = raw.command(f"AUTHENTICATE PLAIN {good}")
    assert done.split()[1] == b"OK" and b"[CAPABILITY" in done
    _, done = raw.command("LOGIN again please")
    assert done.split()[1] == b"BAD", "LOGIN is not allowed once logged in"
    raw.close()

    raw = Raw(server)
    raw.send(b"a AUTHENTICATE LOGIN\r\n")
    assert raw.line() == b"+ VXNlcm5hbWU6\r\n"
    raw.send(base64.b64encode(member.encode()) + b"\r\n")
    assert raw.line() == b"+ UGFzc3dvcmQ6\r\n"
    raw.send(base64.b64encode(PASSWORD.encode()) + b"\r\n")
    _, done = raw.until(b"a")
    assert done.split()[1] == b"OK", done
    raw.close()

    raw = Raw(server)
    raw.send(b"c AUTHENTICATE PLAIN\r\n")
    assert raw.line().startswith(b"+")
    raw.send(b"*\r\n")
    _, done = raw.until(b"c")
    assert done.split()[1] == b"BAD", "a cancelled exchange is BAD"
    _, done = raw.command("AUTHENTICATE CRAM-MD5")
    assert done.split()[1:3] == [b"NO", b"[CANNOT]"]
    raw.close()


BEFORE_LOGIN = [
    ("FOO", b"BAD"),
    ("LOGIN", b"BAD"),
    ("LOGIN onlyuser", b"BAD"),
    ("SELECT INBOX", b"BAD"),
    ('LIST "" *', b"BAD"),
    ("ENABLE IMAP4rev2", b"BAD"),
    ("CAPABILITY extra", b"BAD"),
    ('ID ("name")', b"BAD"),
    ("ID 42", b"BAD"),
    ("AUTHENTICATE PLAIN !!!notbase64", b"BAD"),
    ("STARTTLS", b"BAD"),  # already TLS
    ('LOGIN "unterminated', b"BAD"),
    ("NOOP (", b"BAD"),
]
AFTER_LOGIN = [
    ("ENABLE", b"BAD"),
    ("STATUS INBOX", b"BAD"),
    ("STATUS INBOX (BOGUS)", b"BAD"),
    ("STATUS INBOX ()", b"BAD"),
    ("STATUS Nowhere (MESSAGES)", b"NO"),
    ("LIST", b"BAD"),
    ('LIST ""', b"BAD"),
    ('LIST (BOGUS) "" *', b"BAD"),
    ('LIST "" * RETURN (BOGUS)', b"BAD"),
    ("CREATE", b"BAD"),
    ('CREATE ""', b"NO"),
    ("CREATE a//b", b"NO"),
    ("CREATE INBOX", b"NO"),
    ("CREATE &Jjo", b"BAD"),  # broken modified UTF-7
    ("DELETE INBOX", b"NO"),
    ("DELETE Sent", b"NO"),
    ("DELETE Nowhere", b"NO"),
    ("RENAME Nowhere Else", b"NO"),
    ("RENAME Trash Bin", b"NO"),
    ("RENAME onlyone", b"BAD"),
    ("SUBSCRIBE Nowhere", b"NO"),
    ("APPEND INBOX", b"BAD"),
    ("APPEND INBOX (\\Bogus) {1+}\r\nx", b"BAD"),
    ('APPEND INBOX "31-Foo-2020 00:00:00 +0000" {1+}\r\nx', b"BAD"),
    ("APPEND INBOX notaliteral", b"BAD"),
    ("APPEND Nowhere {1+}\r\nx", b"NO"),
    ("COMPRESS GZIP", b"NO"),
    ("NAMESPACE x", b"BAD"),
    ("IDLE now", b"BAD"),
    ("FETCH 1 FLAGS", b"BAD"),  # not selected
]


def test_every_wrong_command_gets_a_tagged_bad_or_no_and_the_session_survives(server, member):
    raw = Raw(server)
    for text, status in BEFORE_LOGIN:
        _, done = raw.command(text)
        assert done.split()[1] == status, (text, done)
    raw.send(b"(((\r\n")  # not even a tag
    assert raw.line().startswith(b"* BAD")
    raw.login(member)
    for text, status in AFTER_LOGIN:
        _, done = raw.command(text)
        assert done.split()[1] == status, (text, done)
        if status == b"NO":
            assert re.match(rb"t\d+ NO \[[A-Z]+\]", done), ("a NO carries a code", text, done)
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK"
    raw.close()


def test_literals_and_lines_over_the_limits(server, member):
    raw = Raw(server)
    # Before login a client earns no large buffer: 16 KB a command.
    too_big = (b"LOGIN {20000}", b"APPEND INBOX {5000000}", b"NOOP " + b"z" * 20000)
    for n, text in enumerate(too_big):
        raw.send(b"p%d " % n + text + b"\r\n")
        _, done = raw.until(b"p%d" % n)
        assert done.startswith(b"p%d BAD [TOOBIG]" % n), done
    raw.login(member)
    # A synchronizing literal over APPENDLIMIT is refused before it is sent.
    raw.send(b"a APPEND INBOX {99999999999}\r\n")
    _, done = raw.until(b"a")
    assert done.startswith(b"a NO [TOOBIG]"), done
    # A non-synchronizing one is read and dropped; the session goes on.
    size = 12 * 1024 * 1024 + 10
    raw.send(b"b APPEND INBOX {%d+}\r\n" % size)
    chunk = b"x" * 65536
    sent = 0
    while sent < size:
        piece = chunk[: size - sent]
        raw.send(piece)
        sent += len(piece)
    raw.send(b"\r\n")
    _, done = raw.until(b"b")
    assert done.startswith(b"b NO [TOOBIG]"), done
    # Any other command's literal is bounded far lower.
    raw.send(b"c LOGIN {5000000}\r\n")
    _, done = raw.until(b"c")
    assert done.startswith(b"c BAD [TOOBIG]"), done
    raw.send(b"d NOOP " + b"y" * 100_000 + b"\r\n")
    _, done = raw.until(b"d")
    assert done.startswith(b"d BAD [TOOBIG]"), done
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK"
    # An absurd non-synchronizing literal closes the connection with a BYE.
    raw.send(b"e APPEND INBOX {999999999999+}\r\n")
    assert raw.line().startswith(b"* BYE [TOOBIG]")
    assert raw.line() == b""
    raw.close()


def test_enable_id_and_capability_after_login(server, member):
    raw = Raw(server)
    _, done = raw.command('ID ("name" "pytest" "version" "1")')
    assert done.split()[1] == b"OK"
    raw.login(member)
    untagged, _ = raw.command("ENABLE CONDSTORE UTF8=ACCEPT X-UNKNOWN")
    assert untagged == [b"* ENABLED CONDSTORE UTF8=ACCEPT\r\n"]
    untagged, _ = raw.command("ENABLE CONDSTORE")
    assert untagged == [b"* ENABLED\r\n"], "already enabled: not listed again"
    untagged, _ = raw.command("CAPABILITY")
    assert "COMPRESS=DEFLATE" in caps(untagged[0])
    raw.close()


def test_compress_deflate(server, member):
    raw = Raw(server)
    raw.login(member)
    _, done = raw.command("COMPRESS DEFLATE")
    assert done.split()[1] == b"OK"
    out = zlib.compressobj(6, zlib.DEFLATED, -15)
    inflate = zlib.decompressobj(-15)
    buffer = b""

    def deflated(text: bytes) -> list[bytes]:
        nonlocal buffer
        raw.send(out.compress(text) + out.flush(zlib.Z_SYNC_FLUSH))
        tag = text.split(b" ")[0]
        lines = []
        while True:
            while b"\n" not in buffer:
                data = raw.sock.recv(65536)
                assert data, "closed"
                buffer += inflate.decompress(data)
            line, _, buffer = buffer.partition(b"\n")
            lines.append(line + b"\n")
            if line.startswith(tag + b" "):
                return lines

    lines = deflated(b'x1 LIST "" "*"\r\n')
    assert lines[-1].startswith(b"x1 OK") and any(b'"INBOX"' in x or b" INBOX" in x for x in lines)
    lines = deflated(b"x2 CAPABILITY\r\n")
    assert "COMPRESS=DEFLATE" not in caps(lines[0])
    lines = deflated(b"x3 COMPRESS DEFLATE\r\n")
    assert lines[-1].startswith(b"x3 NO [COMPRESSIONACTIVE]")
    raw.close()


async def test_list_create_rename_delete_are_the_folders_of_graphql(server, member):
    me = await login(server.graphql_url, member, PASSWORD)
    client = imaps(server, member)
    typ, listed = client.list('""', "*")
    assert typ == "OK"
    lines = [x.decode() for x in listed]
    assert lines[0] == '(\\HasNoChildren) "/" "INBOX"', lines
    specials = {"Sent": "\\Sent", "Drafts": "\\Drafts", "Trash": "\\Trash", "Spam": "\\Junk"}
    for name, attribute in specials.items():
        assert any(attribute in x and x.endswith(f'"/" "{name}"') for x in lines), (name, lines)

    tag = uuid.uuid4().hex[:6]
    assert client.create(f"Projects{tag}/2026/Q1")[0] == "OK", "superior folders made too"
    folders = {f["name"]: f for f in (await me.data(FOLDERS))["folders"]}
    assert folders["2026"]["parentId"] == folders[f"Projects{tag}"]["id"]
    assert folders["Q1"]["parentId"] == folders["2026"]["id"]
    typ, listed = client.list('""', f"Projects{tag}/%")
    assert [x.decode() for x in listed] == [f'(\\HasChildren) "/" "Projects{tag}/2026"']

    # Made on the web, seen over IMAP (non-ASCII in modified UTF-7).
    web_name = f"报告{tag}"
    assert (await me.data(CREATE_FOLDER, name=web_name))["createFolder"]["__typename"]
    typ, listed = client.list('""', "*")
    wire = "&YqVUSg-" + tag  # 报告 in modified UTF-7 (RFC 3501 §5.1.3)
    assert any(x.decode().endswith(f'"/" "{wire}"') for x in listed), listed

    assert client.rename(f"Projects{tag}/2026/Q1", f"Projects{tag}/Q1-done")[0] == "OK"
    assert client.rename(wire, f"Projects{tag}/{wire}")[0] == "OK"
    folders = {f["name"]: f for f in (await me.data(FOLDERS))["folders"]}
    assert folders["Q1-done"]["parentId"] == folders[f"Projects{tag}"]["id"]
    assert folders[web_name]["parentId"] == folders[f"Projects{tag}"]["id"]

    typ, data = client.delete(f"Projects{tag}")
    assert typ == "NO" and b"[HASCHILDREN]" in data[0]
    for name in (f"Projects{tag}/2026", f"Projects{tag}/Q1-done", f"Projects{tag}/{wire}"):
        assert client.delete(name)[0] == "OK", name
    assert client.delete(f"Projects{tag}")[0] == "OK"
    names = {f["name"] for f in (await me.data(FOLDERS))["folders"]}
    assert not names & {f"Projects{tag}", "2026", "Q1-done", web_name}
    client.logout()


async def test_list_extended_status_subscriptions_and_append_through_graphql(server, member):
    me = await login(server.graphql_url, member, PASSWORD)
    client = imaps(server, member)
    typ, data = client.status("INBOX", "(MESSAGES UNSEEN UIDNEXT UIDVALIDITY SIZE)")
    before = dict(re.findall(r"([A-Z]+) (\d+)", data[0].decode()))
    subject = unique("imap append")
    mail = (
        f"From: someone@remote.test\r\nTo: {member}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@test>\r\n\r\nappended body\r\n"
    ).encode()
    typ, data = client.append("INBOX", "(\\Flagged $Forwarded)", None, mail)
    assert typ == "OK"
    appenduid = re.search(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
    assert appenduid and appenduid.group(1).decode() == before["UIDVALIDITY"]
    assert int(appenduid.group(2)) >= int(before["UIDNEXT"])
    found = await find(me, subject)
    assert found is not None and found["seen"] is False

    typ, data = client.status("INBOX", "(MESSAGES UNSEEN UIDNEXT SIZE)")
    after = dict(re.findall(r"([A-Z]+) (\d+)", data[0].decode()))
    assert int(after["MESSAGES"]) == int(before["MESSAGES"]) + 1
    assert int(after["UNSEEN"]) == int(before["UNSEEN"]) + 1
    assert int(after["UIDNEXT"]) > int(appenduid.group(2))
    assert int(after["SIZE"]) >= int(before["SIZE"]) + len(mail)

    typ, data = client.append("Sent", "(\\Seen)", None, mail.replace(b"imap", b"sent"))
    assert typ == "OK"
    sent = await find(me, subject.replace("imap", "sent"), folder="SENT")
    assert sent is not None and sent["seen"] is True

    typ, data = client.append("Nowhere", None, None, mail)
    assert typ == "NO" and b"[TRYCREATE]" in data[0]

    # LIST-STATUS and LIST-EXTENDED selection/return options.
    typ, data = client._simple_command(
        "LIST", '""', '"*"', "RETURN", "(SPECIAL-USE STATUS (MESSAGES UNSEEN))"
    )
    statuses = client.untagged_responses.pop("STATUS", [])
    assert typ == "OK" and any(b"INBOX" in s and b"MESSAGES" in s for s in statuses)
    client.untagged_responses.pop("LIST", None)
    typ, _ = client._simple_command("LIST", "(SPECIAL-USE)", '""', '"*"')
    special = [x.decode() for x in client.untagged_responses.pop("LIST", [])]
    assert (
        typ == "OK"
        and special
        and all(
            any(a in x for a in ("\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"))
            for x in special
        )
    )
    assert client.unsubscribe("Trash")[0] == "OK"
    typ, subscribed = client.lsub('""', "*")
    names = [x.decode().rsplit(" ", 1)[-1].strip('"') for x in subscribed]
    assert "INBOX" in names and "Trash" not in names
    typ, _ = client._simple_command("LIST", "(SUBSCRIBED)", '""', '"*"')
    listed = [x.decode() for x in client.untagged_responses.pop("LIST", [])]
    assert all("\\Subscribed" in x for x in listed) and not any("Trash" in x for x in listed)
    assert client.subscribe("Trash")[0] == "OK"
    typ, subscribed = client.lsub('""', "Tr%")
    assert [x.decode() for x in subscribed] == ['() "/" "Trash"']
    client.logout()


def test_connection_closes_after_logout_and_on_eof(server, member):
    raw = Raw(server)
    untagged, done = raw.command("LOGOUT")
    assert untagged[0].startswith(b"* BYE") and done.split()[1] == b"OK"
    assert raw.line() == b""
    raw.close()


def test_implicit_tls_rejects_plaintext(server):
    sock = socket.create_connection(("127.0.0.1", server.imaps_port), timeout=10)
    sock.sendall(b"a CAPABILITY\r\n")
    try:
        data = sock.recv(100)
    except (ConnectionResetError, ssl.SSLError):
        data = b""
    assert not data.startswith(b"* OK"), "no IMAP in the clear on the IMAPS port"
    sock.close()


def test_idle_reports_a_delivery_within_a_second(server, member):
    raw = Raw(server)
    raw.login(member)
    untagged, done = raw.command("SELECT INBOX")
    assert done.split()[1] == b"OK", done
    exists = next(int(x.split()[1]) for x in untagged if x.endswith(b" EXISTS\r\n"))
    raw.send(b"i1 IDLE\r\n")
    assert raw.line().startswith(b"+ ")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "sender@remote.test",
            [member],
            simple_mail("sender@remote.test", member, unique("idle")).replace(b"\n", b"\r\n"),
        )
    raw.sock.settimeout(5)  # pushed, not polled (every 60 s); latency: bench/imap_bench.py
    line = raw.line()
    assert line == b"* %d EXISTS\r\n" % (exists + 1), line
    raw.send(b"DONE\r\n")
    _, done = raw.until(b"i1")
    assert done.split()[1] == b"OK"
    raw.send(b"i2 IDLE\r\n")
    assert raw.line().startswith(b"+ ")
    raw.send(b"NOTDONE\r\n")
    _, done = raw.until(b"i2")
    assert done.split()[1] == b"BAD", "anything but DONE ends IDLE with BAD"
    raw.close()


def _appender(srv, email: str, tag: str, acknowledged: list[str], stop: threading.Event):
    try:
        client = imaps(srv, email)
        n = 0
        while not stop.is_set():
            subject = f"{tag} {threading.get_ident()} {n}"
            mail = f"From: a@remote.test\r\nSubject: {subject}\r\n\r\nbody {n}\r\n".encode()
            typ, _ = client.append("INBOX", None, None, mail)
            if typ == "OK":
                acknowledged.append(subject)
            n += 1
    except (OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error):
        pass  # the server was killed


async def test_kill_9_during_append_loses_no_acknowledged_message(own_server):
    srv = own_server
    email = "alice@example.com"
    tag = unique("imapkill").split()[1]
    acknowledged: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_appender, args=(srv, email, tag, acknowledged, stop))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    srv.process.send_signal(signal.SIGKILL)
    srv.process.wait()
    stop.set()
    for thread in threads:
        thread.join(30)
    assert len(acknowledged) >= 40
    srv.start()
    me = await login(srv.graphql_url, email, PASSWORD)
    data = await me.data(
        'query { messages(folder: "INBOX", first: 200) { edges { node { subject } } } }'
    )
    stored = {e["node"]["subject"] for e in data["messages"]["edges"]}
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged APPENDs lost"


def test_mailbox_names_in_utf8_once_enabled(server, member):
    raw = Raw(server)
    raw.login(member)
    name = f"周报{uuid.uuid4().hex[:4]}"
    _, done = raw.command(f"CREATE {name}".encode())  # 8-bit from a client that did not ENABLE
    assert done.split()[1] == b"OK", done
    untagged, _ = raw.command(b'LIST "" "*"')
    wire = name.encode()
    assert any(b'"&VGhipQ-' + wire[6:] + b'"' in x for x in untagged), untagged
    untagged, _ = raw.command("ENABLE UTF8=ACCEPT")
    untagged, _ = raw.command(b'LIST "" "*"')
    assert any(x.endswith(b'"/" "' + wire + b'"\r\n') for x in untagged), untagged
    untagged, done = raw.command(b"STATUS " + wire + b" (MESSAGES)")
    assert done.split()[1] == b"OK" and untagged[0].startswith(b'* STATUS "' + wire + b'"')
    _, done = raw.command(b"DELETE &VGhipQ-")  # no longer read as modified UTF-7
    assert done.split()[1] == b"NO"
    _, done = raw.command(b"DELETE " + wire)
    assert done.split()[1] == b"OK", done
    raw.close()


def test_parallel_logins_of_one_client_are_not_taken_for_guessing(server, member):
    """Mail clients log several connections in at once; the throttle counts attempts before
    checking them, so without the listener's login gate the sixth would be refused."""
    results: list[str] = []

    def log_in() -> None:
        try:
            client = imaps(server, member)
            results.append("OK")
            client.logout()
        except imaplib.IMAP4.error as error:
            results.append(str(error))

    threads = [threading.Thread(target=log_in) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == ["OK"] * 12, results
