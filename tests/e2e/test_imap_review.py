"""IMAP defects found by review, from outside: a UID set with a gap acted on a message the
client never named (the one in the gap) once a named one had gone; plaintext read ahead of
STARTTLS by the stream (past 64 KB) was obeyed as if it had come over TLS."""

from __future__ import annotations

import imaplib
import socket
import ssl
import uuid

from tests.e2e.client import login
from tests.e2e.mail import client_tls, find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD, seed

MESSAGE = "query Q($id: ID!) { message(id: $id) { flagged } }"
DELETE = "mutation D($ids: [ID!]!) { delete(ids: $ids) { __typename } }"


async def test_a_uid_set_with_a_gap_never_touches_the_message_in_the_gap(server):
    user = f"gap-{uuid.uuid4().hex[:8]}@example.com"
    seed(server, members={user: {}})
    subjects = [unique("gap") for _ in range(3)]
    with mx(server.smtp_port) as smtp:
        for subject in subjects:
            smtp.sendmail("x@example.org", [user], simple_mail("x@example.org", user, subject))
    client = await login(server.graphql_url, user, PASSWORD)
    found = [await find(client, s) for s in subjects]
    imap = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=client_tls())
    imap.login(user, PASSWORD)
    imap.select("INBOX")
    first, _, third = (int(u) for u in imap.uid("SEARCH", "ALL")[1][0].split())
    # The web app deletes the third; the session has not heard of it yet.
    await client.data(DELETE, ids=[found[2]["id"]])
    assert imap.uid("STORE", f"{first},{third}", "+FLAGS", r"(\Flagged)")[0] == "OK"
    flagged = [(await client.data(MESSAGE, id=f["id"]))["message"]["flagged"] for f in found[:2]]
    assert flagged == [True, False], "only the named message that is still there is flagged"
    imap.logout()


def test_plaintext_read_ahead_of_starttls_is_never_obeyed(server):
    sock = socket.create_connection(("127.0.0.1", server.imap_port), timeout=20)
    reader = sock.makefile("rb")
    assert reader.readline().startswith(b"* OK")
    # A man in the middle appends a command after STARTTLS, behind more than one read.
    sock.sendall(b"a STARTTLS\r\n" + b"x" * 70_000 + b"\r\nevil CAPABILITY\r\n")
    assert reader.readline().startswith(b"a OK")
    answered: list[bytes] = []
    try:
        tls = client_tls().wrap_socket(sock)
        tls.sendall(b"b NOOP\r\n")
        lines = tls.makefile("rb")
        while not (line := lines.readline()).startswith(b"b "):
            assert line, "closed"
            answered.append(line)
        answered.append(line)
        tls.close()
    except (ssl.SSLError, ConnectionError, AssertionError):
        pass  # the plaintext broke the handshake: refused, which is fine too
    finally:
        sock.close()
    assert not any(line.startswith(b"evil") or b"CAPABILITY IMAP4" in line for line in answered)
