"""GraphQL limits for every caller: introspection off for anonymous callers in production,
depth and size bounds that introspection cannot escape, refusals logged in one quiet line."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import websockets
from graphql import get_introspection_query

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, login
from tests.e2e.server import PASSWORD

SCHEMA_ROOT = "{ __schema { queryType { name } } }"
TYPE_BY_NAME = '{ __type(name: "Query") { name } }'
FULL_INTROSPECTION = get_introspection_query(descriptions=True)


def of_type_chain(levels: int) -> str:
    """An introspection query ``levels`` ``ofType`` deep under ``__schema.types.fields.type``."""
    inner = "{ name }"
    for _ in range(levels):
        inner = "{ ofType " + inner + " }"
    return "{ __schema { types { fields { type " + inner + " } } } }"


def fragment_fan_out(levels: int) -> str:
    """Fragments that each spread the previous one three times: 600 bytes to send, three to
    the ``levels`` fields once spread out (strawberry's depth limiter walked them all)."""
    fragments = ["fragment F0 on Query { __typename }"]
    for n in range(1, levels + 1):
        fragments.append(f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} ...F{n - 1} }}")
    return f"{{ ...F{levels} }}\n" + "\n".join(fragments)


def codes(body: dict) -> list[str | None]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


@pytest.fixture(scope="module", params=BACKENDS)
def production(request, tmp_path_factory):
    """A server with ``QIYOU_ENV=production`` (its log is only this module's)."""
    data_dir = tmp_path_factory.mktemp(f"production-{request.param}")
    with private_server(request.param, data_dir, {"QIYOU_ENV": "production"}) as srv:
        yield srv


async def test_anonymous_introspection_is_refused_in_production(production):
    anonymous = GraphQLClient(production.graphql_url)
    for query in (SCHEMA_ROOT, TYPE_BY_NAME, FULL_INTROSPECTION):
        body = await anonymous.execute(query)
        assert body.get("data") is None, body
        assert codes(body) == ["INTROSPECTION_DISABLED"], body
    # __typename is no introspection of the schema: still answered
    assert await anonymous.data("{ __typename }") == {"__typename": "Query"}


async def test_members_may_introspect_in_production(production):
    bob = await login(production.graphql_url, "bob@example.com", PASSWORD)
    assert (await bob.data(SCHEMA_ROOT))["__schema"]["queryType"]["name"] == "Query"
    full = await bob.data(FULL_INTROSPECTION)  # what GraphiQL and codegen tools send
    assert any(t["name"] == "Message" for t in full["__schema"]["types"])
    # Validation is cached by document and rules: the member's answer is not the anonymous one
    body = await GraphQLClient(production.graphql_url).execute(SCHEMA_ROOT)
    assert body.get("data") is None and codes(body) == ["INTROSPECTION_DISABLED"], body


async def test_anonymous_introspection_is_allowed_in_development(server):
    full = await GraphQLClient(server.graphql_url).data(FULL_INTROSPECTION)
    assert any(t["name"] == "Mutation" for t in full["__schema"]["types"])


async def test_introspection_is_bound_by_depth(server):
    anonymous = GraphQLClient(server.graphql_url)
    assert not (await anonymous.execute(of_type_chain(8))).get("errors")
    body = await anonymous.execute(of_type_chain(22))  # 25 deep
    assert body.get("data") is None and codes(body) == ["QUERY_TOO_DEEP"], body
    assert "depth of 15" in body["errors"][0]["message"]


async def test_fragment_fan_out_is_refused_before_it_runs(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    query = fragment_fan_out(16)  # 3**16 = 43 million fields: hours for the old limiter
    body = await bob.execute(query)
    assert body.get("data") is None and codes(body) == ["QUERY_TOO_LARGE"], body


async def test_limits_hold_over_websockets(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": bob.token}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": of_type_chain(22)}}
        await ws.send(json.dumps(subscribe))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["type"] != "ping":
                break
            await ws.send(json.dumps({"type": "pong"}))
    assert message["type"] == "error", message
    assert [e["extensions"]["code"] for e in message["payload"]] == ["QUERY_TOO_DEEP"]


async def test_a_refusal_is_logged_in_one_line_without_a_traceback(production):
    bob = await login(production.graphql_url, "bob@example.com", PASSWORD)
    log = production.data_dir / "server.log"
    start = log.stat().st_size
    name = f"Probe{uuid.uuid4().hex}"
    body = await bob.execute(f"query {name} {{ admins {{ email }} }}")  # bob is no admin
    assert codes(body) == ["FORBIDDEN"], body
    written = log.read_bytes()[start:].decode()  # logged before the answer was sent
    lines = [line for line in written.splitlines() if name in line]
    assert len(lines) == 1, written
    assert " INFO " in lines[0] and "FORBIDDEN" in lines[0] and "admins" in lines[0]
    assert "Traceback" not in written and " ERROR " not in written, written
