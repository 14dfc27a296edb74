"""Outbound international addresses (RFC 6531 3.2) against a real SMTP server on the
loopback (aiosmtpd) that does or does not offer SMTPUTF8: without it, domains go as
A-labels and a UTF-8 local part bounces with 553 5.6.7; with it, UTF-8 goes as is."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from mailcore.delivery.relay import TlsMode
from mailcore.delivery.routes import Target
from mailcore.delivery.transport import ConnectionFailed, Reply, transact
from tests.e2e.server import free_port

MESSAGE = b"From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n"


class Recorder:
    def __init__(self) -> None:
        self.commands: list[tuple[str, str, list[str]]] = []

    async def handle_MAIL(self, server, session, envelope, address, options):
        self.commands.append(("MAIL", address, options))
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        self.commands.append(("RCPT", address, options))
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return "250 queued"


@pytest.fixture(params=[False, True], ids=["no-smtputf8", "smtputf8"])
def peer(request):
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=request.param)
    controller.start()
    yield handler, port, request.param
    controller.stop()


async def send(port: int, sender: str, recipients: list[str]) -> dict[str, Reply]:
    got: dict[str, Reply] = {}

    async def on_replies(replies: dict[str, Reply], dsn_passed: bool) -> None:
        got.update(replies)

    target = Target("peer.test", "127.0.0.1", port, tls=TlsMode.PLAIN)
    await transact(
        target,
        local_hostname="mx.qiyou.test",
        sender=sender,
        recipients=recipients,
        message=MESSAGE,
        timeout=10,
        on_replies=on_replies,
    )
    return got


async def test_utf8_recipients_need_the_peers_smtputf8(peer):
    handler, port, utf8 = peer
    replies = await send(port, "boss@例子.公司", ["汤姆@remote.test", "bob@例子.公司"])
    if utf8:
        assert {a: r.code for a, r in replies.items()} == {
            "汤姆@remote.test": 250,
            "bob@例子.公司": 250,
        }
        assert handler.commands[0] == ("MAIL", "boss@例子.公司", ["SMTPUTF8"])
        assert [c[1] for c in handler.commands[1:]] == ["汤姆@remote.test", "bob@例子.公司"]
        return
    bounced = replies["汤姆@remote.test"]
    assert (bounced.code, bounced.text[:5], bounced.permanent) == (553, "5.6.7", True)
    assert replies["bob@例子.公司"].code == 250
    assert handler.commands == [  # A-labels on the wire, nothing UTF-8 sent
        ("MAIL", "boss@xn--fsqu00a.xn--55qx5d", []),
        ("RCPT", "bob@xn--fsqu00a.xn--55qx5d", []),
    ]


async def test_a_utf8_sender_fails_the_transaction_without_smtputf8(peer):
    handler, port, utf8 = peer
    if utf8:
        assert (await send(port, "用户@例子.公司", ["bob@remote.test"]))["bob@remote.test"].ok
        return
    with pytest.raises(ConnectionFailed) as failed:
        await send(port, "用户@例子.公司", ["bob@remote.test"])
    assert failed.value.permanent and failed.value.reply.startswith("553 5.6.7")
    assert handler.commands == []
