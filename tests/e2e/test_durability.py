"""Nothing acknowledged is lost: kill -9 the server mid-stream, restart, every mail that got
its 250 is there (once)."""

from __future__ import annotations

import asyncio
import signal

import aiosmtplib

from tests.e2e.client import login
from tests.e2e.mail import simple_mail, unique
from tests.e2e.server import PASSWORD

SESSIONS = 8
ALL = """
query All($after: String) {
  messages(folder: "INBOX", first: 200, after: $after) {
    edges { node { subject } } pageInfo { hasNextPage endCursor }
  }
}
"""


async def _sender(port: int, tag: str, acknowledged: list[str], stop: asyncio.Event) -> None:
    try:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=10)
        await smtp.connect()
        n = 0
        while not stop.is_set():
            subject = f"{tag} {n}"
            n += 1
            raw = simple_mail("s@remote.test", "bob@example.com", subject, "x" * 2000)
            await smtp.sendmail("s@remote.test", ["bob@example.com"], raw)
            acknowledged.append(subject)
    except (aiosmtplib.SMTPException, OSError):
        return  # the server died under us: whatever was not acknowledged may be lost


async def test_acknowledged_mail_survives_kill_9(own_server):
    tag = unique("crash")
    acknowledged: list[str] = []
    stop = asyncio.Event()
    senders = [
        asyncio.create_task(_sender(own_server.smtp_port, f"{tag}-{i}", acknowledged, stop))
        for i in range(SESSIONS)
    ]
    while len(acknowledged) < 100:
        await asyncio.sleep(0.01)
    own_server.process.send_signal(signal.SIGKILL)
    own_server.process.wait()
    stop.set()
    await asyncio.gather(*senders)
    own_server.start()
    bob = await login(own_server.graphql_url, "bob@example.com", PASSWORD)
    stored, after = [], None
    while True:
        page = (await bob.data(ALL, after=after))["messages"]
        stored += [e["node"]["subject"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    missing = set(acknowledged) - set(stored)
    assert not missing, f"{len(missing)} acknowledged mails lost"
    assert len(stored) == len(set(stored)), "a mail was stored twice"
