"""A small GraphQL client for tests: HTTP with bearer tokens, graphql-transport-ws subscriptions."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on LoginSuccess { token }
    ... on AuthError { code message }
  }
}
"""


# In-process apps (tests/service) by origin: requests to them go through httpx's ASGI
# transport in the test's own event loop instead of a socket.
IN_PROCESS: dict[str, httpx.AsyncBaseTransport] = {}


def http_client(url: str, **options: Any) -> httpx.AsyncClient:
    """An HTTP client for ``url``: over the network, or in process for a tests/service app."""
    origin = httpx.URL(url)
    transport = IN_PROCESS.get(f"{origin.scheme}://{origin.netloc.decode()}")
    return httpx.AsyncClient(transport=transport, **{"timeout": 30, **options})


class GraphQLClient:
    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def execute(self, query: str, **variables: Any) -> dict[str, Any]:
        """The whole response (``data`` and ``errors``)."""
        async with http_client(self.url) as http:
            response = await http.post(
                self.url, json={"query": query, "variables": variables}, headers=self.headers()
            )
        assert response.status_code in (200, 400), response.text
        return response.json()

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """``data`` of a response that must have no errors."""
        body = await self.execute(query, **variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]


async def login(url: str, email: str, password: str) -> GraphQLClient:
    client = GraphQLClient(url)
    result = (await client.data(LOGIN, email=email, password=password))["login"]
    assert result["__typename"] == "LoginSuccess", result
    client.token = result["token"]
    return client


class Subscription:
    """One graphql-transport-ws connection running one subscription."""

    def __init__(self, ws_url: str, token: str | None, query: str) -> None:
        self.ws_url, self.token, self.query = ws_url, token, query
        self.ws: Any = None

    async def __aenter__(self) -> Subscription:
        self.ws = await websockets.connect(
            self.ws_url, subprotocols=["graphql-transport-ws"], max_size=2**22
        )
        payload = {"token": self.token} if self.token else {}
        await self.ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        await self.ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": self.query}})
        )
        return self

    async def next(self, timeout: float = 10) -> dict[str, Any]:
        """The next ``next`` payload's data (pings answered, other frames skipped)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] == "next":
                assert not message["payload"].get("errors"), message["payload"]["errors"]
                return message["payload"]["data"]
            if message["type"] == "error":
                raise AssertionError(message)

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()
