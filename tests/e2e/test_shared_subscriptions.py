"""Shared subscriptions (api/shared_streams.py) over real websockets: a member's sockets with
the same subscription cost one execution per event, each member still gets only their own
mail, and leaving, closing and errors work per socket."""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.client import Subscription, login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD

NEW_MAIL = "subscription { newMail { id subject } }"
CHANGED = "subscription { mailboxChanged { change ids } }"
EXECUTIONS = "qiyou_graphql_subscription_executions_total"
FRAMES = "qiyou_graphql_subscription_frames_total"
OPERATIONS = "qiyou_graphql_subscriptions"


def metric(server: Any, name: str) -> float:
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    return 0.0


async def until_operations(server: Any, count: int) -> None:
    """Wait until the server runs ``count`` operations on its websockets (and a moment for
    the bus subscription of a new group)."""
    deadline = time.monotonic() + 10
    while metric(server, OPERATIONS) != count:
        assert time.monotonic() < deadline, f"{metric(server, OPERATIONS)} operations, not {count}"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)


def deliver(server: Any, to: str, subject: str) -> None:
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("s@remote.test", [to], simple_mail("s@remote.test", to, subject))


async def subscriptions(
    stack: AsyncExitStack, server: Any, tokens: list[str], query: str = NEW_MAIL
) -> list[Subscription]:
    return [await stack.enter_async_context(Subscription(server.ws_url, t, query)) for t in tokens]


async def test_a_members_sockets_cost_one_execution_per_mail(server):
    phone = await login(server.graphql_url, "bob@example.com", PASSWORD)
    laptop = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("shared push")
    async with AsyncExitStack() as stack:
        subs = await subscriptions(stack, server, [phone.token, laptop.token, laptop.token])
        await until_operations(server, 3)
        executions, frames = metric(server, EXECUTIONS), metric(server, FRAMES)
        deliver(server, "bob@example.com", subject)
        pushed = [(await sub.next())["newMail"] for sub in subs]
        assert metric(server, EXECUTIONS) - executions == 1
        assert metric(server, FRAMES) - frames == 3
    assert {p["subject"] for p in pushed} == {subject}
    assert len({p["id"] for p in pushed}) == 1


async def test_members_with_the_same_subscription_get_only_their_own_mail(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    for_alice, for_bob = unique("alice only"), unique("bob only")
    async with AsyncExitStack() as stack:
        alices = await subscriptions(stack, server, [alice.token, alice.token])
        bobs = await subscriptions(stack, server, [bob.token, bob.token])
        await until_operations(server, 4)
        executions = metric(server, EXECUTIONS)
        deliver(server, "alice@example.com", for_alice)
        deliver(server, "bob@example.com", for_bob)
        for sub in alices:
            assert (await sub.next())["newMail"]["subject"] == for_alice
        for sub in bobs:
            assert (await sub.next())["newMail"]["subject"] == for_bob, "not alice's mail"
        for sub in alices:
            with pytest.raises(TimeoutError):
                await sub.next(timeout=0.5)
        assert metric(server, EXECUTIONS) - executions == 2  # one per member


async def test_leaving_or_closing_one_socket_keeps_the_others(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("after leaving")
    async with AsyncExitStack() as stack:
        first, leaving, staying = await subscriptions(stack, server, [bob.token] * 3)
        await until_operations(server, 3)
        await first.ws.close()  # the socket that started the group goes away
        await leaving.ws.send(json.dumps({"id": "1", "type": "complete"}))
        await until_operations(server, 1)
        deliver(server, "bob@example.com", subject)
        assert (await staying.next())["newMail"]["subject"] == subject
        with pytest.raises(TimeoutError):
            await leaving.next(timeout=0.5)
        # a new socket joins the running stream and gets the next mail too
        late = (await subscriptions(stack, server, [bob.token]))[0]
        await until_operations(server, 2)
        again = unique("late joiner")
        deliver(server, "bob@example.com", again)
        assert (await late.next())["newMail"]["subject"] == again
        assert (await staying.next())["newMail"]["subject"] == again


async def test_a_request_that_cannot_run_gets_an_error_frame_on_each_socket(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    needs_variable = "subscription S($n: Int!) { newMail { id } }"  # $n is never given
    sockets = []
    for _ in range(2):
        ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": bob.token}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "7", "type": "subscribe", "payload": {"query": needs_variable}})
        )
        sockets.append(ws)
    try:
        for ws in sockets:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame["type"] == "error" and frame["id"] == "7"
            assert "$n" in frame["payload"][0]["message"]
        await until_operations(server, 0)  # the operations are over, the sockets still open
        await sockets[0].send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(sockets[0].recv(), 10))["type"] == "pong"
    finally:
        for ws in sockets:
            await ws.close()


async def test_changes_are_shared_by_session_and_not_echoed(server):
    phone = await login(server.graphql_url, "bob@example.com", PASSWORD)
    laptop = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("shared sync")
    deliver(server, "bob@example.com", subject)
    node = await find(laptop, subject)
    async with AsyncExitStack() as stack:
        tokens = [phone.token, phone.token, laptop.token, laptop.token]
        on_phone_1, on_phone_2, *on_laptop = await subscriptions(stack, server, tokens, CHANGED)
        await until_operations(server, 4)
        executions = metric(server, EXECUTIONS)
        await laptop.data(
            "mutation R($ids: [ID!]!) { markRead(ids: $ids) { __typename } }", ids=[node["id"]]
        )
        for sub in (on_phone_1, on_phone_2):
            assert (await sub.next())["mailboxChanged"] == {"change": "flags", "ids": [node["id"]]}
        for sub in on_laptop:
            with pytest.raises(TimeoutError):
                await sub.next(timeout=0.5)
        assert metric(server, EXECUTIONS) - executions == 1  # the phone's session only


async def test_a_revoked_socket_leaves_the_group_and_the_others_still_get_mail(server):
    phone = await login(server.graphql_url, "bob@example.com", PASSWORD)
    laptop = await login(server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("after logout")
    async with AsyncExitStack() as stack:
        # the phone's socket starts the group, the laptop's joins it
        on_phone, on_laptop = await subscriptions(stack, server, [phone.token, laptop.token])
        await until_operations(server, 2)
        assert (await phone.data("mutation { logout }"))["logout"] is True
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await on_phone.next()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        await until_operations(server, 1)
        deliver(server, "bob@example.com", subject)
        assert (await on_laptop.next())["newMail"]["subject"] == subject
