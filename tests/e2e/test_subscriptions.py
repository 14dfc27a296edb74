"""Live push over graphql-transport-ws: newMail on ingest, mailboxChanged from other sessions."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tests.e2e.client import Subscription, login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD

NEW_MAIL = "subscription { newMail { id subject from { address } folder } }"
CHANGED = "subscription { mailboxChanged { change ids folderId } }"
SETTLE = 0.5  # the server subscribes to the bus right after `subscribe`; give it a moment


async def test_new_mail_over_smtp_is_pushed(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("push")
    async with Subscription(server.ws_url, bob.token, NEW_MAIL) as sub:
        await asyncio.sleep(SETTLE)
        with mx(server.smtp_port) as smtp:
            smtp.sendmail(
                "s@remote.test",
                ["bob@example.com"],
                simple_mail("s@remote.test", "bob@example.com", subject),
            )
        pushed = (await sub.next())["newMail"]
    assert pushed["subject"] == subject
    assert pushed["from"] == {"address": "s@remote.test"}
    assert pushed["folder"] == "INBOX"
    assert pushed["id"] == (await find(bob, subject))["id"]


async def test_push_reaches_only_the_recipient(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    for_alice, for_bob = unique("for alice"), unique("for bob")
    async with Subscription(server.ws_url, bob.token, NEW_MAIL) as sub:
        await asyncio.sleep(SETTLE)
        with mx(server.smtp_port) as smtp:
            smtp.sendmail(
                "s@remote.test",
                ["alice@example.com"],
                simple_mail("s@remote.test", "alice@example.com", for_alice),
            )
            smtp.sendmail(
                "s@remote.test",
                ["bob@example.com"],
                simple_mail("s@remote.test", "bob@example.com", for_bob),
            )
        first = (await sub.next())["newMail"]
    assert first["subject"] == for_bob, "bob must not be told about alice's mail"
    assert await find(alice, for_alice) is not None


async def test_graphql_compose_pushes_to_the_recipient(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("compose push")
    async with Subscription(server.ws_url, bob.token, NEW_MAIL) as sub:
        await asyncio.sleep(SETTLE)
        await alice.data(
            "mutation S($i: ComposeInput!) { sendMail(input: $i) { __typename } }",
            i={"to": ["bob@example.com"], "subject": subject, "text": "hi"},
        )
        pushed = (await sub.next())["newMail"]
    assert pushed["subject"] == subject and pushed["from"]["address"] == "alice@example.com"


async def test_changes_from_another_session_are_pushed_but_not_echoed(server):
    phone = await login(server.graphql_url, "bob@example.com", PASSWORD)
    laptop = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("sync")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "s@remote.test",
            ["bob@example.com"],
            simple_mail("s@remote.test", "bob@example.com", subject),
        )
    node = await find(laptop, subject)
    read = "mutation R($ids: [ID!]!) { markRead(ids: $ids) { __typename } }"
    async with (
        Subscription(server.ws_url, phone.token, CHANGED) as on_phone,
        Subscription(server.ws_url, laptop.token, CHANGED) as on_laptop,
    ):
        await asyncio.sleep(SETTLE)
        await laptop.data(read, ids=[node["id"]])
        change = (await on_phone.next())["mailboxChanged"]
        assert change == {"change": "flags", "ids": [node["id"]], "folderId": None}
        with pytest.raises(TimeoutError):
            await on_laptop.next(timeout=1)
        await laptop.data(
            'mutation M($ids: [ID!]!) { move(ids: $ids, folder: "ARCHIVE") { __typename } }',
            ids=[node["id"]],
        )
        moved = (await on_phone.next())["mailboxChanged"]
    archive = [
        f
        for f in (await phone.data("{ folders { id role } }"))["folders"]
        if f["role"] == "ARCHIVE"
    ][0]
    assert moved == {"change": "moved", "ids": [node["id"]], "folderId": archive["id"]}


@pytest.mark.parametrize("payload", [{}, {"token": "forged"}, {"token": 42}])
async def test_websocket_without_a_valid_token_is_rejected(server, payload):
    async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 4403
