"""Shared setup of the outbound delivery tests: a loopback DNS server publishing MX/A
records of remote test domains and our DKIM keys, an SMTP sink as every remote MX, and
helpers to wait for outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from tests.e2e.client import GraphQLClient
from tests.e2e.dnsserver import DnsServer

DOMAINS = "{ domains { name dkimSelector dkimPublicKey } }"
SENT = """
query Sent($id: ID!) {
  message(id: $id) { deliveries { recipient status attempts lastError } }
}
"""
FOLDER = """
query Folder($folder: String!) {
  messages(folder: $folder, first: 100) { edges { node { id subject } } }
}
"""


def publish_mx(dns: DnsServer, *domains: str) -> None:
    for domain in domains:
        dns.set(domain, "MX", [f"10 mx.{domain}."])
        dns.set(f"mx.{domain}", "A", ["127.0.0.1"])


async def publish_dkim(dns: DnsServer, admin: GraphQLClient) -> None:
    for d in (await admin.data(DOMAINS))["domains"]:
        txt = f"v=DKIM1; k=rsa; p={d['dkimPublicKey']}"
        chunks = [txt[i : i + 200] for i in range(0, len(txt), 200)]
        dns.set(
            f"{d['dkimSelector']}._domainkey.{d['name']}",
            "TXT",
            [" ".join(f'"{c}"' for c in chunks)],
        )


def dkim_lookup(dns: DnsServer) -> Callable[..., bytes | None]:
    """A dkimpy ``dnsfunc`` answering from the DNS server's zone."""

    def lookup(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode() if isinstance(name, bytes) else name
        values = dns.zone.get((text.rstrip(".").lower(), "TXT"))
        if not values:
            return None
        return "".join(part.strip('"') for part in values[0].split('" "')).encode()

    return lookup


async def until(check: Callable[[], object], timeout: float = 30, what: str = "condition"):
    """Poll ``check`` (sync or async) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def in_folder(client: GraphQLClient, subject_part: str, folder: str = "INBOX") -> list[dict]:
    edges = (await client.data(FOLDER, folder=folder))["messages"]["edges"]
    return [e["node"] for e in edges if subject_part in e["node"]["subject"]]


async def raw(server, client: GraphQLClient, entry_id: str) -> bytes:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(f"{server.url}/messages/{entry_id}/raw", headers=client.headers())
    assert response.status_code == 200, response.text
    return response.content


async def sent_id(client: GraphQLClient, subject: str) -> str:
    nodes = await until(lambda: in_folder(client, subject, "SENT"), 10, "the Sent copy")
    return nodes[0]["id"]


async def deliveries(client: GraphQLClient, entry_id: str) -> dict[str, dict]:
    rows = (await client.data(SENT, id=entry_id))["message"]["deliveries"]
    return {r["recipient"]: r for r in rows}
