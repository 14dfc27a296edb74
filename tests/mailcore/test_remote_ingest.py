"""The MX processes' ingest link (mailcore/store/remote.py) over a real Unix socket: answers,
refusals and failures reach the right caller, stale caches are forgotten, and a parent
that goes away fails what is in flight instead of leaving it hanging."""

from __future__ import annotations

import asyncio

import pytest

from mailcore.core import caches
from mailcore.core.events import Bus
from mailcore.core.mime.parse import parse_message
from mailcore.core.models import FolderRole
from mailcore.store.remote import IngestServer, RemoteIngestor
from mailcore.store.request import (
    Delivery,
    IngestRequest,
    IngestResult,
    IngestSource,
    PolicyRefusal,
    StoredEntry,
)

RAW = b"From: a@remote.test\r\nTo: b@example.com\r\nSubject: link\r\n\r\nhello\r\n"


def request(subject: str) -> IngestRequest:
    raw = RAW.replace(b"link", subject.encode())
    return IngestRequest(
        raw=raw,
        parsed=parse_message(raw),
        source=IngestSource.SMTP_INBOUND,
        envelope_from="a@remote.test",
        deliveries=[Delivery(member_id=7, role=FolderRole.INBOX)],
    )


async def parent_ingest(req: IngestRequest) -> IngestResult:
    """What the parent's ingest answers, by subject (each path of the link)."""
    subject = req.parsed.subject if req.parsed else ""
    if subject == "refuse":
        raise PolicyRefusal("policy", "no", smtp_reply="550 5.7.1 Refused by policy")
    if subject == "fail":
        raise RuntimeError("disk full")
    if subject == "slow":
        await asyncio.sleep(3)
    entry = StoredEntry(member_id=7, role=FolderRole.INBOX, entry_id=len(subject), uid=3)
    return IngestResult(41, "ab" * 32, req.parsed, [entry], [], 0)


@pytest.fixture
async def link(tmp_path):
    bus = Bus()
    await bus.connect()
    server = IngestServer(parent_ingest, bus, tmp_path / "run" / "ingest.sock")
    await server.start()
    remote = RemoteIngestor(str(server.path))
    await remote.connect()
    await server.wait_for(1, timeout=5)
    yield server, remote, bus
    await remote.close()
    await server.close()
    await bus.disconnect()


async def test_answers_reach_their_callers(link):
    _, remote, _ = link
    results = await asyncio.gather(*(remote.ingest(request(f"mail {i}")) for i in range(20)))
    assert [r.entries[0].entry_id for r in results] == [len(f"mail {i}") for i in range(20)]
    assert results[0].message_pk == 41 and results[0].parsed.subject == "mail 0"
    assert oct((link[0].path.stat().st_mode) & 0o777) == "0o600"


async def test_refusals_and_failures_are_told_apart(link):
    _, remote, _ = link
    with pytest.raises(PolicyRefusal) as refused:
        await remote.ingest(request("refuse"))
    assert refused.value.smtp_reply == "550 5.7.1 Refused by policy"
    with pytest.raises(RuntimeError, match="disk full"):
        await remote.ingest(request("fail"))
    assert (await remote.ingest(request("after"))).message_pk == 41  # the link still works


async def test_stale_caches_are_forgotten_in_the_mx_process(link):
    _, remote, bus = link
    forgotten = asyncio.Event()
    caches.register("test-remote-cache", forgotten.set)
    await bus.publish_caches_changed(["test-remote-cache"], "another process")
    await asyncio.wait_for(forgotten.wait(), 5)


async def test_a_parent_that_goes_away_fails_what_is_in_flight(link):
    server, remote, _ = link
    slow = asyncio.create_task(remote.ingest(request("slow")))
    await asyncio.sleep(0.2)
    for writer in list(server._writers):  # the parent's end closes, as when it is killed
        writer.transport.abort()
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(slow, 5)
    assert remote.lost.is_set()
    with pytest.raises(ConnectionError):
        await remote.ingest(request("later"))
