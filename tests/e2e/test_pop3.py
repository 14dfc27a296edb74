"""POP3 from outside with Python's poplib (and a raw socket for bad input): login over TLS
only, the Inbox as a maildrop, DELE + QUIT removing through the store, RSET, IN-USE."""

from __future__ import annotations

import base64
import poplib
import socket
import ssl
import time
import uuid

import pytest

from mailcore.protocols.pop3 import replies
from tests.e2e.client import login
from tests.e2e.mail import client_tls, find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD, seed

DELETE = "mutation D($ids: [ID!]!) { delete(ids: $ids) { __typename } }"
MY_LOGINS = "{ myLogins(first: 20) { edges { node { client success } } } }"


@pytest.fixture(scope="module")
def people(server):
    """Members of this module's own (seeded in one go), by test."""
    tag = uuid.uuid4().hex[:8]
    names = ("main", "dele", "drop", "snap", "big", "off")
    emails = {name: f"pop-{name}-{tag}@example.com" for name in names}
    seed(server, members=dict.fromkeys(emails.values(), {}))
    return emails


@pytest.fixture(scope="module")
def mailbox(server, people):
    """A member with three mails in the Inbox (lines starting with '.')."""
    email = people["main"]
    subjects = [deliver(server, email, body=f"line one\n.dotted {i}\nend") for i in range(3)]
    return email, subjects


def deliver(server, to: str, body: str = "hello") -> str:
    subject = unique("pop")
    with mx(server.smtp_port) as smtp:
        mail = simple_mail("sender@remote.test", to, subject, body).replace(b"\n", b"\r\n")
        smtp.sendmail("sender@remote.test", [to], mail)
    return subject


def pop3s(server, user: str | None = None) -> poplib.POP3_SSL:
    pop = poplib.POP3_SSL("127.0.0.1", server.pop3s_port, context=client_tls(), timeout=30)
    if user:
        pop.user(user)
        pop.pass_(PASSWORD)
    return pop


def relogin(server, email: str) -> poplib.POP3_SSL:
    """Log in once the server has seen the previous session go (IN-USE until then)."""
    deadline = time.monotonic() + 10
    while True:
        pop = pop3s(server)
        pop.user(email)
        try:
            pop.pass_(PASSWORD)
            return pop
        except poplib.error_proto as busy:
            pop.close()
            if b"[IN-USE]" not in busy.args[0] or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def subjects_of(pop: poplib.POP3) -> list[str]:
    count = len(pop.list()[1])
    found = []
    for n in range(1, count + 1):
        for line in pop.top(n, 0)[1]:
            if line.startswith(b"Subject: "):
                found.append(line[9:].decode())
    return found


def test_no_password_before_tls_then_stls_logs_in(server, mailbox):
    email, subjects = mailbox
    pop = poplib.POP3("127.0.0.1", server.pop3_port, timeout=30)
    capa = pop.capa()
    assert "STLS" in capa and "USER" not in capa and "SASL" not in capa
    with pytest.raises(poplib.error_proto) as refused:
        pop.user(email)
    assert refused.value.args[0].decode() == replies.PLAINTEXT
    pop.stls(client_tls())
    capa = pop.capa()
    assert "STLS" not in capa and "USER" in capa and capa["SASL"] == ["PLAIN"]
    pop.user(email)
    assert pop.pass_(PASSWORD).startswith(b"+OK 3 messages")
    assert subjects_of(pop) == subjects
    pop.quit()


def test_list_retr_top_uidl(server, mailbox):
    email, subjects = mailbox
    pop = pop3s(server, email)
    count, size = pop.stat()
    listed = pop.list()[1]
    assert count == 3 and len(listed) == 3
    assert size == sum(int(row.split()[1]) for row in listed)
    uids = [row.split()[1] for row in pop.uidl()[1]]
    assert len(set(uids)) == 3 and pop.uidl(2).split()[2] == uids[1]
    response, lines, _ = pop.retr(1)
    assert response == f"+OK {int(listed[0].split()[1])} octets".encode()
    assert f"Subject: {subjects[0]}".encode() in lines
    assert b".dotted 0" in lines  # stuffed on the wire, unstuffed by poplib
    assert int(listed[0].split()[1]) == sum(len(line) + 2 for line in lines)
    headers = pop.top(2, 0)[1]
    assert headers[-1] == b"" and b"line one" not in headers
    assert pop.top(2, 1)[1][-1] == b"line one"
    assert pop.list(3).split()[1:] == listed[2].split()
    pop.quit()


async def test_dele_quit_removes_it_for_the_web_app_too_and_rset_undoes(server, people):
    email = people["dele"]
    kept, gone = deliver(server, email), deliver(server, email)
    pop = pop3s(server, email)
    pop.dele(1)
    assert pop.stat()[0] == 1
    with pytest.raises(poplib.error_proto, match="already deleted"):
        pop.retr(1)
    pop.rset()
    assert pop.stat()[0] == 2
    pop.dele(2)
    assert pop.quit().startswith(b"+OK bye (1 removed, 1 left)")
    web = await login(server.graphql_url, email, PASSWORD)
    assert await find(web, gone, wait=0) is None
    assert await find(web, gone, folder="TRASH", wait=0) is None
    assert await find(web, kept, wait=0) is not None


async def test_a_dropped_session_changes_nothing_and_retr_marks_seen_at_quit(server, people):
    email = people["drop"]
    first, second = deliver(server, email), deliver(server, email)
    pop = pop3s(server, email)
    pop.dele(1)
    pop.retr(2)
    pop.close()  # no QUIT: no UPDATE state
    web = await login(server.graphql_url, email, PASSWORD)
    assert (await find(web, first, wait=0))["seen"] is False
    assert (await find(web, second, wait=0))["seen"] is False
    pop = relogin(server, email)  # the lock goes with the dropped session
    assert pop.stat()[0] == 2
    pop.retr(2)
    pop.top(1, 5)
    pop.quit()
    assert (await find(web, second, wait=0))["seen"] is True
    assert (await find(web, first, wait=0))["seen"] is False  # TOP does not mark seen


async def test_maildrop_is_a_snapshot_and_a_mail_removed_elsewhere_answers_err(server, people):
    email = people["snap"]
    removed = deliver(server, email)
    pop = pop3s(server, email)
    deliver(server, email)  # arrives during the session
    assert pop.stat()[0] == 1
    web = await login(server.graphql_url, email, PASSWORD)
    await web.data(DELETE, ids=[(await find(web, removed, wait=0))["id"]])
    with pytest.raises(poplib.error_proto) as gone:
        pop.retr(1)
    assert gone.value.args[0].decode() == replies.GONE
    pop.dele(1)
    assert pop.quit().startswith(b"+OK bye (0 removed")
    assert await find(web, removed, folder="TRASH", wait=0) is not None  # left alone
    pop = pop3s(server, email)
    assert pop.stat()[0] == 1
    pop.quit()


def test_a_big_mail_arrives_whole_over_tls(server, people):
    email = people["big"]
    lines = [f".line {i} " + "x" * 60 for i in range(60_000)]  # ~4.3 MB, every line dotted
    deliver(server, email, body="\n".join(lines))
    pop = pop3s(server, email)
    response, got, _ = pop.retr(1)
    body = got[got.index(b"") + 1 :]
    assert [line.decode() for line in body[: len(lines)]] == lines
    assert response == f"+OK {sum(len(line) + 2 for line in got)} octets".encode()
    pop.quit()


def test_one_session_per_mailbox(server, mailbox):
    email, _ = mailbox
    first = pop3s(server, email)
    second = pop3s(server)
    second.user(email)
    with pytest.raises(poplib.error_proto) as busy:
        second.pass_(PASSWORD)
    assert busy.value.args[0].decode() == replies.IN_USE
    first.quit()
    second.user(email)
    assert second.pass_(PASSWORD).startswith(b"+OK")
    second.quit()


async def test_logins_are_recorded_as_pop3(server, mailbox):
    email, _ = mailbox
    pop = pop3s(server)
    pop.user(email)
    with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
        pop.pass_("wrong password")
    pop.quit()
    pop3s(server, email).quit()
    web = await login(server.graphql_url, email, PASSWORD)
    logins = [e["node"] for e in (await web.data(MY_LOGINS))["myLogins"]["edges"]]
    assert {"client": "POP3", "success": True} in logins
    assert {"client": "POP3", "success": False} in logins


def test_a_member_with_pop_turned_off_is_refused(server, people):
    email = people["off"]
    server.mailcore(
        "return await Member.filter(email=args['email']).update(pop_enabled=False)", email=email
    )
    pop = pop3s(server)
    pop.user(email)
    with pytest.raises(poplib.error_proto) as refused:
        pop.pass_(PASSWORD)
    assert refused.value.args[0] == b"-ERR [AUTH] POP3 is turned off for this account"
    pop.quit()


class Raw:
    """A POP3S connection that sends lines as they are and reads replies."""

    def __init__(self, server) -> None:
        sock = socket.create_connection(("127.0.0.1", server.pop3s_port), timeout=30)
        self.sock = client_tls().wrap_socket(sock)
        self.file = self.sock.makefile("rb")
        assert self.line() == replies.GREETING

    def line(self) -> str:
        return self.file.readline().decode().removesuffix("\r\n")

    def ask(self, data: bytes) -> str:
        self.sock.sendall(data)
        return self.line()

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def test_bad_input_gets_err_and_the_session_goes_on(server, mailbox):
    email, _ = mailbox
    raw = Raw(server)
    assert raw.ask(b"STAT\r\n") == replies.WRONG_STATE_AUTH
    assert raw.ask(b"HELO\r\n") == "-ERR unknown command HELO"
    assert raw.ask(b"\xff\xfe\r\n") == "-ERR unknown command"
    assert raw.ask(b"PASS x\r\n") == replies.NO_USER
    assert raw.ask(b"USER\r\n") == "-ERR USER needs 1 argument"
    assert raw.ask(b"AUTH CRAM-MD5\r\n") == replies.MECHANISM
    assert raw.ask(b"AUTH PLAIN not*base64\r\n") == replies.BAD_BASE64
    assert raw.ask(b"AUTH PLAIN " + base64.b64encode(b"no-nul") + b"\r\n") == replies.BAD_PLAIN
    other = base64.b64encode(f"bob@example.com\0{email}\0{PASSWORD}".encode())
    assert raw.ask(b"AUTH PLAIN " + other + b"\r\n") == replies.OTHER_USER
    assert raw.ask(b"AUTH PLAIN\r\n") == "+ "
    assert raw.ask(b"*\r\n") == replies.CANCELLED
    assert raw.ask(b"LIST " + b"9" * 100_000 + b"\r\n") == replies.LINE_TOO_LONG
    assert raw.ask(b"STLS\r\n") == replies.ALREADY_TLS
    assert raw.ask(b"AUTH PLAIN\r\n") == "+ "
    plain = base64.b64encode(f"\0{email}\0{PASSWORD}".encode())
    assert raw.ask(plain + b"\r\n").startswith("+OK 3 messages")
    for line, reply in [
        (b"USER x\r\n", replies.WRONG_STATE_TRANSACTION),
        (b"RETR 0\r\n", replies.NO_SUCH_MESSAGE),
        (b"RETR 4\r\n", replies.NO_SUCH_MESSAGE),
        (b"RETR -1\r\n", replies.BAD_NUMBER),
        (b"RETR 1 2\r\n", "-ERR RETR takes 1 argument"),
        (b"TOP 1 x\r\n", replies.BAD_LINES),
        (b"DELE 99999999999999\r\n", replies.BAD_NUMBER),
        (b"NOOP\r\n", replies.NOOP),
    ]:
        assert raw.ask(line) == reply, line
    assert raw.ask(b"QUIT\r\n").startswith("+OK bye (0 removed, 3 left)")
    raw.close()


def test_pipelined_commands_are_answered_in_order(server, mailbox):
    email, _ = mailbox
    raw = Raw(server)
    raw.sock.sendall(f"USER {email}\r\nPASS {PASSWORD}\r\nSTAT\r\nNOOP\r\nQUIT\r\n".encode())
    assert raw.line() == replies.USER_OK
    assert raw.line().startswith("+OK 3 messages")
    assert raw.line().startswith("+OK 3 ")
    assert raw.line() == replies.NOOP
    assert raw.line().startswith("+OK bye")
    raw.close()


def test_implicit_tls_port_refuses_plain_text(server):
    with socket.create_connection(("127.0.0.1", server.pop3s_port), timeout=10) as sock:
        sock.sendall(b"CAPA\r\n")
        try:
            assert not sock.recv(100).startswith(b"+OK")
        except (ConnectionError, ssl.SSLError):
            pass


def test_connections_over_the_per_address_limit_are_told_why(server):
    from mailcore.protocols.pop3.server import MAX_CONNECTIONS_PER_IP

    held = []
    try:
        for _ in range(MAX_CONNECTIONS_PER_IP):
            sock = socket.create_connection(("127.0.0.1", server.pop3_port), timeout=30)
            held.append(sock)
            assert sock.recv(100).startswith(b"+OK")
        with socket.create_connection(("127.0.0.1", server.pop3_port), timeout=30) as over:
            refused = over.recv(100)
        assert refused == b"-ERR [SYS/TEMP] too many connections from this address\r\n"
    finally:
        for sock in held:
            sock.close()
