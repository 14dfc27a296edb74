"""The external server client (``mailcore/fetch/remote.py``) against a real Dovecot: folders
(nested, Chinese), keys, sizes and flags, raw messages read without touching \\Seen,
deleting over IMAP and POP3; and each failure as the typed error a member sees (wrong
password, refused connection, TLS failure, a server that stalls, a private address)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from mailcore.core.models import ExternalProtocol, ExternalSecurity
from mailcore.fetch import remote
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.protocols.imap.utf7 import encode
from tests.e2e.dovecot import Dovecot, need_dovecot

IMAP, POP3 = ExternalProtocol.IMAP, ExternalProtocol.POP3
PLAIN = ExternalSecurity.NONE
CHINESE = "项目/二〇二六"


def mail(subject: str, body: str = "hello") -> bytes:
    return (
        f"From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '.')}@example.org>\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    need_dovecot()
    with Dovecot(tls=True) as server:
        server.add_user("ann", "right")
        server.add_user("pat", "right")
        server.start()
        server.put("ann", mail("one"), flags="S")
        server.put("ann", mail("two"), flags="FR")
        server.put("ann", mail("deep"), folder=encode("项目") + "." + encode("二〇二六"))
        yield server


def point(server: Dovecot, protocol=IMAP, password="right", user="ann", **kw) -> remote.Endpoint:
    port = server.imap_port if protocol is IMAP else server.pop3_port
    options = {"security": PLAIN, "timeout": 10, "private_hosts": True, "port": port, **kw}
    return remote.Endpoint(protocol, "127.0.0.1", username=user, password=password, **options)


def failure(endpoint: remote.Endpoint) -> FetchError:
    with pytest.raises(FetchError) as caught:
        remote.check_login(endpoint)
    return caught.value


def test_imap_lists_folders_messages_and_flags(dovecot):
    session = remote.connect(point(dovecot))
    try:
        folders = {f.path: f.name for f in session.folders()}
        assert folders[()] == "INBOX"
        assert ("项目", "二〇二六") in folders
        listed = session.messages("INBOX", False)
        assert len(listed) == 2 and all(m.key.count(":") == 1 for m in listed)
        by_seen = {m.seen: m for m in listed}
        assert by_seen[False].flagged and by_seen[False].answered and not by_seen[True].flagged
        raw = session.retrieve(by_seen[False])
        assert b"Subject: two" in raw and by_seen[False].size == len(raw)
        again = {m.key: m for m in session.messages("INBOX", False)}
        assert not again[by_seen[False].key].seen  # BODY.PEEK left \Seen alone
        deep = session.messages(folders[("项目", "二〇二六")], False)
        assert [b"Subject: deep" in session.retrieve(m) for m in deep] == [True]
    finally:
        session.close()


def test_imap_deletes_only_when_listed_writable(dovecot):
    dovecot.put("pat", mail("gone soon"))
    session = remote.connect(point(dovecot, user="pat"))
    try:
        listed = session.messages("INBOX", True)
        session.delete("INBOX", listed)
        assert session.messages("INBOX", False) == []
    finally:
        session.close()
    assert dovecot.count("pat") == 0


def test_pop3_lists_by_uidl_and_deletes_at_quit(dovecot):
    dovecot.put("pat", mail("pop one"))
    dovecot.put("pat", mail("pop two"))
    session = remote.connect(point(dovecot, POP3, user="pat"))
    listed = session.messages("", True)
    assert len({m.key for m in listed}) == 2
    assert sorted(b"Subject: pop" in session.retrieve(m) for m in listed) == [True, True]
    session.delete("", listed[:1])
    session.close()
    again = remote.connect(point(dovecot, POP3, user="pat"))
    try:
        assert [m.key for m in again.messages("", True)] == [listed[1].key]  # a stable UIDL
    finally:
        again.close()


@pytest.mark.parametrize("protocol", [IMAP, POP3])
def test_a_wrong_password_is_login_failed(dovecot, protocol):
    assert failure(point(dovecot, protocol, password="wrong")).code is FetchErrorCode.LOGIN_FAILED


def test_a_closed_port_is_connect_failed(dovecot):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        assert failure(point(dovecot, port=port)).code is FetchErrorCode.CONNECT_FAILED


@pytest.mark.parametrize("protocol", [IMAP, POP3])
def test_an_untrusted_certificate_is_tls_failed(dovecot, protocol):
    port = dovecot.imaps_port if protocol is IMAP else dovecot.pop3s_port
    got = failure(point(dovecot, protocol, port=port, security=ExternalSecurity.TLS))
    assert got.code is FetchErrorCode.TLS_FAILED and got.field == "security"


def test_a_server_that_stalls_is_a_timeout(dovecot):
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        assert failure(point(dovecot, port=port, timeout=1)).code is FetchErrorCode.TIMEOUT
    finally:
        for conn in accepted:
            conn.close()
        listener.close()


def test_private_addresses_need_the_setting(dovecot):
    got = failure(point(dovecot, private_hosts=False))
    assert got.code is FetchErrorCode.INVALID and got.field == "host"


def test_modified_utf7_names_decode():
    assert remote.decode_utf7(encode(CHINESE)) == CHINESE
    assert remote.decode_utf7("A&-B") == "A&B"
    assert remote.decode_utf7("&!!!-") == "&!!!-"  # broken: kept as given
