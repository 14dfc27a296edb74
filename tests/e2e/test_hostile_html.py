"""One hostile HTML mail (100,000 nested <div>) must not stall the server: while it is opened,
``/health`` and SMTP ``NOOP`` keep answering, and the HTML that comes back is safe."""

from __future__ import annotations

import asyncio
import uuid

import aiosmtplib
import httpx
import pytest

from tests.e2e.client import login
from tests.e2e.mail import find, mx
from tests.e2e.server import PASSWORD
from tests.e2e.test_directory import create_member

HTML = "query Html($id: ID!) { message(id: $id) { html text } }"
DEPTH = 100_000
PROBES = 5  # answers each probe must get while the HTML is still being worked on


def hostile_mail(subject: str, marker: str) -> bytes:
    body = (
        "<div>" * DEPTH
        + f'<p onclick="evil()">{marker}<script>alert(1)</script>'
        + '<a href="javascript:alert(2)">x</a></p>'
        + "</div>" * DEPTH
    )
    return (
        f"From: attacker@remote.test\r\nTo: hh@example.com\r\nSubject: {subject}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body + "\r\n"
    ).encode()


@pytest.fixture(scope="module")
async def hh(server):
    """A member who receives the hostile mail."""
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    await create_member(admin, email="hh@example.com", vip=True)
    return "hh@example.com"


async def deliver(server, member: str) -> tuple[str, str, str]:
    """Send a fresh hostile mail (its own marker, so no cache has seen it); (id, marker, token)."""
    marker = f"marker-{uuid.uuid4().hex}"
    subject = f"hostile {marker}"
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        smtp.mail("attacker@remote.test")
        assert smtp.rcpt(member)[0] == 250
        code, text = smtp.data(hostile_mail(subject, marker))
    assert code == 250, text
    client = await login(server.graphql_url, member, PASSWORD)
    found = await find(client, subject)
    assert found is not None
    return found["id"], marker, str(client.token)


async def probe_health(http: httpx.AsyncClient, base: str, pending: asyncio.Task) -> int:
    """``/health`` one after another until ``pending`` is done; answers received before."""
    answered = 0
    while not pending.done():
        response = await http.get(f"{base}/health")
        assert response.status_code == 200
        if not pending.done():
            answered += 1
    return answered


async def probe_noop(server, pending: asyncio.Task) -> int:
    """SMTP ``NOOP`` on one MX session until ``pending`` is done; answers received before."""
    smtp = aiosmtplib.SMTP(
        hostname="127.0.0.1", port=server.smtp_port, timeout=120, start_tls=False
    )
    await smtp.connect()
    answered = 0
    try:
        while not pending.done():
            code, _ = await smtp.noop()
            assert code == 250
            if not pending.done():
                answered += 1
    finally:
        await smtp.quit()
    return answered


async def open_while_probing(server, token: str, message_id: str, opens: int) -> list[dict]:
    """Open the message ``opens`` times at once while probing; returns the answers."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=120) as http:

        async def one_open() -> dict:
            response = await http.post(
                server.graphql_url,
                json={"query": HTML, "variables": {"id": message_id}},
                headers=headers,
            )
            body = response.json()
            assert not body.get("errors"), body
            return body["data"]["message"]

        pending = asyncio.ensure_future(asyncio.gather(*(one_open() for _ in range(opens))))
        async with httpx.AsyncClient(timeout=120) as probe_http:
            health, noop = await asyncio.gather(
                probe_health(probe_http, server.url, pending), probe_noop(server, pending)
            )
        answers = await pending
    assert health >= PROBES, f"/health answered {health} times while the HTML was opened"
    assert noop >= PROBES, f"NOOP answered {noop} times while the HTML was opened"
    return answers


def assert_safe(html: str, marker: str) -> None:
    assert marker in html
    lowered = html.lower()
    for bad in ("<script", "onclick", "javascript:", "alert("):
        assert bad not in lowered
    assert html.count("<div") <= 200  # flattened, or the text version


async def test_health_and_noop_answer_while_hostile_html_is_opened(server, hh):
    message_id, marker, token = await deliver(server, hh)
    [answer] = await open_while_probing(server, token, message_id, opens=1)
    assert_safe(answer["html"], marker)
    assert marker in answer["text"]


async def test_ten_parallel_opens_get_the_same_safe_html(server, hh):
    message_id, marker, token = await deliver(server, hh)
    answers = await open_while_probing(server, token, message_id, opens=10)
    assert len({a["html"] for a in answers}) == 1
    assert_safe(answers[0]["html"], marker)
