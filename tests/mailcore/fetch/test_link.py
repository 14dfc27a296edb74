"""Taking mail from a hostile or broken server (``mailcore/fetch/link.py`` over
``mailcore/fetch/remote.py``), against the loopback IMAP/POP3 server of
``tests/e2e/hostile_mail_server.py``: each bad message is ``Unfetchable`` with its reason and
the next one is taken on a new session; a huge literal is refused by its announced size
before it is read; repeated UIDs/UIDLs are taken once and counted; folder names are checked
as modified UTF-7; a wrong greeting is a PROTOCOL error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailcore.core.models import ExternalProtocol, ExternalSecurity
from mailcore.fetch import remote
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.link import Link
from mailcore.protocols.imap.utf7 import encode
from tests.e2e.hostile_mail_server import Account, Folder, HostileServer, Message

LIMIT = 100_000


def mail(subject: str, size: int = 0) -> bytes:
    body = "x" * size if size else f"body of {subject}"
    return f"Subject: {subject}\r\nMessage-ID: <{subject}@x>\r\n\r\n{body}\r\n".encode()


INBOX = [
    Message(mail("one")),
    Message(mail("stalls"), trick="stall"),
    Message(mail("drops"), trick="drop"),
    Message(mail("huge"), trick="huge"),
    Message(mail("lies", size=200_000), size=10),  # past the limit and its slack
    Message(mail("two")),
    Message(mail("twin"), uid=6, uidl="uidl-6"),
]


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    folders = [Folder("INBOX", INBOX), Folder("&Jjo"), Folder(encode("项目"))]
    with HostileServer({"u": Account("p", folders)}) as server:
        yield server


def point(port: int, protocol: ExternalProtocol) -> remote.Endpoint:
    return remote.Endpoint(
        protocol,
        "127.0.0.1",
        port,
        ExternalSecurity.NONE,
        "u",
        "p",
        timeout=1,
        private_hosts=True,
        max_size=LIMIT,
    )


@pytest.mark.parametrize("protocol", [ExternalProtocol.IMAP, ExternalProtocol.POP3])
async def test_each_bad_message_is_unfetchable_and_the_rest_is_taken(hostile, protocol):
    imap = protocol is ExternalProtocol.IMAP
    link = Link(point(hostile.imap_port if imap else hostile.pop3_port, protocol))
    await link.open()
    sent = hostile.huge_sent
    listing = await link.messages("INBOX" if imap else "", False)
    assert len(listing) == 6 and link.repeated == 1
    taken, refused = [], []
    for message in listing:
        try:
            raw = await link.retrieve(message)
        except remote.Unfetchable as exc:
            refused.append(str(exc))
            continue
        assert raw is not None
        taken.append(raw.split(b"\r\n", 1)[0])
    await link.close()
    assert taken == [b"Subject: one", b"Subject: two"]
    assert refused[0] == "TIMEOUT: the server did not answer in time"
    assert refused[1] == "CONNECT_FAILED: the server closed the connection"
    if imap:  # refused by the announced size, before reading it
        assert refused[2] == f"the server sends it as 2000000000 bytes, larger than {LIMIT} bytes"
        assert refused[3].startswith("the server sends it as 200") and f"{LIMIT}" in refused[3]
    else:
        assert refused[2:] == [f"the server sends it larger than {LIMIT} bytes"] * 2
    assert hostile.huge_sent - sent < 16 * 1024 * 1024  # only what socket buffers took


async def test_folder_names_are_checked_as_modified_utf7(hostile):
    link = Link(point(hostile.imap_port, ExternalProtocol.IMAP))
    await link.open()
    names = {f.name: remote.valid_utf7(f.name) for f in await link.folders()}
    await link.close()
    assert names == {"INBOX": True, "&Jjo": False, encode("项目"): True}


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("INBOX", True),
        ("Sent Items", True),
        ("&-", True),  # "&"
        (encode("已发送"), True),
        (encode("项目") + "/" + encode("二〇二六"), True),
        ("&Jjo", False),  # no end
        ("&AGE-", False),  # "a" need not be shifted
        ("&Jj=-", False),  # not modified BASE64
        ("&2D0-", False),  # a lone surrogate
        ("Caf\u00e9", False),  # raw 8-bit
        ("tab\there", False),
    ],
)
def test_valid_utf7(name, valid):
    assert remote.valid_utf7(name) is valid


def test_a_wrong_greeting_is_a_protocol_error():
    greeting = b"220 mail.example ESMTP\r\n"
    folders = [Folder("INBOX", [Message(mail("one"))])]
    with HostileServer(
        {"u": Account("p", folders)}, imap_greeting=greeting, pop3_greeting=greeting
    ) as rude:
        for protocol, port in (
            (ExternalProtocol.IMAP, rude.imap_port),
            (ExternalProtocol.POP3, rude.pop3_port),
        ):
            with pytest.raises(FetchError) as caught:
                remote.check_login(point(port, protocol))
            assert caught.value.code is FetchErrorCode.PROTOCOL, caught.value
