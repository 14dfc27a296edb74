"""Signed download tickets against a real ``qiyou serve``: the attachment URL the API returns
downloads by itself, for that path only, while the session holds; a forged, tampered,
expired or other member's ticket is refused, and so is a session token in the URL.

Tickets are ``<key id>.<session id>.<expires>.<signature>`` (docs/security.md); the tests
that need a ticket the server did not issue sign one with the key in the database, the way
another node on that database would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sqlite3
import time
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest

from tests.conftest import PG_URL, _pg_url, _psql, need_services, provisioned_copy
from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import find, unique
from tests.e2e.server import PASSWORD, Server
from tests.e2e.test_graphql_mail import MESSAGE, send_with_file

LOGOUT = "mutation { logout }"
SETUP = "{ mailClientSetup { mobileconfigUrl } }"
CONTENT = "名字,数量\n苹果,3\n".encode()


async def _received_attachment(
    server: Server, to: GraphQLClient, address: str, sender: str = "alice@example.com"
) -> dict:
    """A mail with one attachment from ``sender`` to ``address``, as ``to`` reads it."""
    source = await login(server.graphql_url, sender, PASSWORD)
    subject = unique("ticket")
    sent = await send_with_file(
        source, "表.csv", CONTENT, "text/csv", to=[address], subject=subject
    )
    assert sent["__typename"] == "SendMailSuccess", sent
    node = await find(to, subject)
    message = (await to.data(MESSAGE, id=node["id"]))["message"]
    [attachment] = message["attachments"]
    return attachment


def _ticket(url: str) -> str:
    [ticket] = parse_qs(urlsplit(url).query)["ticket"]
    return ticket


async def _keys(server: Server) -> dict[str, bytes]:
    """The ticket keys of the server's database (id → key)."""
    database = server.env.get("DATABASE_URL")
    if database:
        connection = await asyncpg.connect(database)
        try:
            rows = await connection.fetch("SELECT id, secret FROM download_ticket_key")
        finally:
            await connection.close()
    else:
        with sqlite3.connect(server.data_dir / "qiyou.sqlite3") as connection:
            rows = connection.execute("SELECT id, secret FROM download_ticket_key").fetchall()
    return {str(row[0]): bytes.fromhex(row[1]) for row in rows}


def _sign(key_id: str, key: bytes, path: str, session_id: int, expires: int) -> str:
    message = f"qiyou-download\n{path}\n{session_id}\n{expires}".encode()
    mac = base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest())
    return f"{key_id}.{session_id}.{expires}.{mac.rstrip(b'=').decode()}"


async def test_the_signed_url_downloads_that_attachment_only(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    attachment = await _received_attachment(server, bob, "bob@example.com")
    url = attachment["url"]
    path = urlsplit(url).path
    assert url.startswith(path + "?ticket=") and bob.token not in url

    async with httpx.AsyncClient(base_url=server.url) as http:
        got = await http.get(url)  # no header: the ticket is enough
        inline = await http.get(url + "&inline=1")  # how the readers show cid: images
        bearer = await http.get(path, headers=bob.headers())  # API clients: unchanged
        bare = await http.get(path)
        other_index = await http.get(path[:-1] + "7", params={"ticket": _ticket(url)})
        entry = int(path.split("/")[2])
        other_entry = await http.get(f"/attachments/{entry - 1}/0", params={"ticket": _ticket(url)})
        raw = await http.get(f"/messages/{entry}/raw", params={"ticket": _ticket(url)})

    assert got.status_code == 200 and got.content == CONTENT
    assert got.headers["content-disposition"].startswith("attachment;")
    assert inline.status_code == 200 and inline.headers["content-disposition"].startswith("inline")
    assert bearer.status_code == 200 and bearer.content == CONTENT
    assert bare.status_code == 401
    for refused in (other_index, other_entry, raw):
        assert refused.status_code == 401, refused.text
        assert refused.json()["code"] == "TICKET_INVALID"


async def test_a_tampered_forged_or_expired_ticket_is_refused(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    url = (await _received_attachment(server, bob, "bob@example.com"))["url"]
    path, ticket = urlsplit(url).path, _ticket(url)
    key_id, session, expires, signature = ticket.split(".")
    keys = await _keys(server)
    assert key_id in keys, "the key that signed is the database's (every node shares it)"
    assert _sign(key_id, keys[key_id], path, int(session), int(expires)) == ticket

    later = f"{key_id}.{session}.{int(expires) + 3600}.{signature}"
    forged = _sign(key_id, b"not the key" * 3, path, int(session), int(expires))
    expired = _sign(key_id, keys[key_id], path, int(session), int(time.time()) - 1)
    async with httpx.AsyncClient(base_url=server.url) as http:
        answers = {
            name: await http.get(path, params={"ticket": value})
            for name, value in {
                "later": later,
                "forged": forged,
                "expired": expired,
                "garbage": "x" * 300,
                "empty": "",
            }.items()
        }
    codes = {name: (r.status_code, r.json()["code"]) for name, r in answers.items()}
    assert codes == {
        "later": (401, "TICKET_INVALID"),
        "forged": (401, "TICKET_INVALID"),
        "expired": (401, "TICKET_EXPIRED"),
        "garbage": (401, "TICKET_MALFORMED"),
        "empty": (401, "TICKET_MALFORMED"),
    }
    assert "expired" in answers["expired"].json()["error"]


async def test_another_members_ticket_opens_only_what_that_member_may_read(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    olga = await login(server.graphql_url, "olga@other.org", PASSWORD)
    bobs = await _received_attachment(server, bob, "bob@example.com")
    olgas = await _received_attachment(server, olga, "olga@other.org", "olga@other.org")
    olga_session = int(_ticket(olgas["url"]).split(".")[1])
    key_id, key = max((await _keys(server)).items(), key=lambda item: int(item[0]))
    path = urlsplit(bobs["url"]).path

    # A well-signed ticket of olga's session for bob's attachment: the route still checks
    # that olga may read it, exactly as with her bearer token.
    as_olga = _sign(key_id, key, path, olga_session, int(time.time()) + 60)
    async with httpx.AsyncClient(base_url=server.url) as http:
        by_ticket = await http.get(path, params={"ticket": as_olga})
        by_bearer = await http.get(path, headers=olga.headers())
        her_own = await http.get(olgas["url"])

    assert by_ticket.status_code == 404 and by_bearer.status_code == 404
    assert her_own.status_code == 200 and her_own.content == CONTENT


async def test_a_session_token_in_the_url_is_refused(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    path = urlsplit((await _received_attachment(server, bob, "bob@example.com"))["url"]).path
    entry = path.split("/")[2]
    async with httpx.AsyncClient(base_url=server.url) as http:
        answers = [
            await http.get(path, params={"token": bob.token}),
            await http.get(f"/messages/{entry}/raw", params={"token": bob.token}),
            await http.get("/clients/apple.mobileconfig", params={"token": bob.token}),
            await http.get("/archive/export", params={"token": bob.token, "ids": "1"}),
            await http.get("/cards/bob@example.com.vcf", params={"token": bob.token}),
        ]
    for answer in answers:
        assert answer.status_code == 401, answer.url
        assert answer.json()["code"] == "TOKEN_IN_URL"
        assert "Authorization: Bearer" in answer.json()["error"]


async def test_a_ticket_ends_with_its_session(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    url = (await _received_attachment(server, bob, "bob@example.com"))["url"]
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(url)).status_code == 200
        await bob.data(LOGOUT)
        after = await http.get(url)
    assert after.status_code == 401 and after.json()["code"] == "TICKET_INVALID"


async def test_the_raw_message_link_is_signed_for_that_message(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    attachment = await _received_attachment(server, bob, "bob@example.com")
    entry = attachment["url"].split("/")[2]
    raw_url = (await bob.data("query R($id: ID!) { message(id: $id) { rawUrl } }", id=entry))[
        "message"
    ]["rawUrl"]
    assert raw_url.startswith(f"/messages/{entry}/raw?ticket=")
    async with httpx.AsyncClient(base_url=server.url) as http:
        eml = await http.get(raw_url)
        as_attachment = await http.get(
            f"/attachments/{entry}/0", params={"ticket": _ticket(raw_url)}
        )
    assert eml.status_code == 200 and eml.headers["content-type"] == "message/rfc822"
    assert b"Subject: " in eml.content
    assert as_attachment.status_code == 401


async def test_graphql_returns_a_signed_mobileconfig_link(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    setup = await bob.data(SETUP)
    url = setup["mailClientSetup"]["mobileconfigUrl"]
    assert url.startswith("/clients/apple.mobileconfig?ticket=")
    async with httpx.AsyncClient(base_url=server.url) as http:
        profile = await http.get(url)
    assert profile.status_code == 200 and b"bob@example.com" in profile.content


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres")
async def test_two_nodes_on_one_database_accept_each_others_tickets(tmp_path):
    need_services(PG_URL)
    database = provisioned_copy("postgres", tmp_path)
    env = {"DATABASE_URL": _pg_url(database)}
    nodes = [Server(data_dir=tmp_path / name, env=env) for name in ("a", "b")]
    try:
        for node in nodes:
            node.data_dir.mkdir()
            node.start()
        a, b = nodes
        links = {}
        for node in nodes:  # each node signs a link for bob's profile
            bob = await login(node.graphql_url, "bob@example.com", PASSWORD)
            links[node.http_port] = (await bob.data(SETUP))["mailClientSetup"]["mobileconfigUrl"]
        old = links[a.http_port]
        rotated = a.cli("tickets", "rotate").stdout
        answers = []
        for signer, reader in ((a, b), (b, a)):
            async with httpx.AsyncClient(base_url=reader.url) as http:
                answers.append((await http.get(links[signer.http_port])).status_code)
        async with httpx.AsyncClient(base_url=b.url) as http:
            after_rotation = await http.get(old)
        keys = await _keys(a)
    finally:
        for node in nodes:
            node.stop()
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

    assert answers == [200, 200]
    assert f"signed with key {max(keys, key=int)}" in rotated and len(keys) == 2
    assert after_rotation.status_code == 200, "the previous key is accepted for a while yet"
