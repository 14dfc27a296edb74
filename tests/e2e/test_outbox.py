"""The transactional outbox: what a stored mail must cause (a new-mail webhook, a search entry,
a row in the mailbox change log) is committed with it, so ``kill -9`` at any moment loses
none of it for a mail that got its 250 — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import signal

import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import login
from tests.e2e.mail import unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_durability import _sender
from tests.e2e.test_openapi_webhooks import newmail_app, receiver  # noqa: F401 - fixture
from tests.e2e.test_search import search

SESSIONS = 8
# A short lease: jobs claimed by the killed process are taken again 3 s after the crash.
SETTINGS = {
    "QIYOU_WEBHOOK_POLL": "0.2",
    "QIYOU_WEBHOOK_BACKOFF": "0.3,0.6,1",
    "QIYOU_OUTBOX_LEASE": "3",
}


@pytest.fixture(params=BACKENDS)
def crash_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp(f"outbox-{request.param}")
    # The indexer is paused for the first run: search jobs can only wait in the outbox.
    with private_server(request.param, data_dir, {**SETTINGS, "QIYOU_SEARCH_PAUSED": "1"}) as srv:
        yield srv


async def _wait(check, what: str, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, (
            what if isinstance(what, str) else what()
        )
        await asyncio.sleep(0.2)


async def test_kill_9_loses_no_webhook_search_entry_or_change_of_acknowledged_mail(
    crash_server,
    receiver,  # noqa: F811 - the loopback webhook receiver fixture
):
    srv = crash_server
    path = f"/outbox/{unique('hook').split()[1]}"
    await newmail_app(srv, receiver.url + path)
    tag = unique("outboxcrash").split()[1]
    acknowledged: list[str] = []
    stop = asyncio.Event()
    senders = [
        asyncio.create_task(_sender(srv.smtp_port, f"{tag} s{i}", acknowledged, stop))
        for i in range(SESSIONS)
    ]
    while len(acknowledged) < 120:
        await asyncio.sleep(0.01)
    srv.process.send_signal(signal.SIGKILL)
    srv.process.wait()
    stop.set()
    await asyncio.gather(*senders)
    waiting = int(srv.sql("SELECT count(*) FROM outbox WHERE topic = 'search.mail'"))
    assert waiting >= 1, "search jobs of acknowledged mail wait in the outbox (one per group)"

    srv.env.pop("QIYOU_SEARCH_PAUSED")
    srv.start()

    wanted = set(acknowledged)

    def posted() -> set[str]:
        return {json.loads(c.body)["subject"] for c in receiver.on(path)}

    def jobs_left() -> str:
        return srv.sql("SELECT count(*) || ' jobs: ' || min(topic) || min(last_error) FROM outbox")

    async def all_posted() -> bool:
        return wanted <= posted()

    await _wait(all_posted, lambda: f"webhooks missing: {wanted - posted()}; {jobs_left()}")
    bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)

    async def all_found() -> bool:
        found = await search(bob, tag, first=1)
        return found["totalCount"] >= len(wanted)

    await _wait(all_found, "every acknowledged mail in the search index")
    unlogged = srv.sql(
        "SELECT count(*) FROM mailbox_entry e WHERE NOT EXISTS"
        " (SELECT 1 FROM mailbox_change c WHERE c.entry_id = e.id AND c.kind = 'added')"
    )
    assert unlogged == "0", "every stored entry has its row in the change log"
    assert srv.sql("SELECT count(*) FROM outbox WHERE topic = 'search.mail'") == "0"
