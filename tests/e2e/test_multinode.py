"""Two ``qiyou serve`` processes on one PostgreSQL database, with Redis as their event bus and
their blobs in one S3 bucket (SeaweedFS), each with a data dir of its own: each queued mail
and webhook goes out once though both run workers, a change made through one node applies on
the other at once (its cache is forgotten over the bus), and a singleton job (the delivery
reports) runs on one node at a time, under a lock."""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes

import asyncpg
import pytest

from mailcore.core.locks import advisory_key
from tests.conftest import PG_URL, REDIS_URL, _psql, need_services, provisioned_copy
from tests.e2e.client import login
from tests.e2e.cluster import cluster_env, relay_env
from tests.e2e.delivery_env import in_folder, raw, until
from tests.e2e.mail import mx, simple_mail, submission, unique
from tests.e2e.server import PASSWORD, Server
from tests.e2e.smtpsink import Sink
from tests.e2e.test_lists import ADD
from tests.e2e.test_openapi_webhooks import Receiver, deliver, for_subject, newmail_app
from tests.e2e.test_openapi_webhooks import receiver as receiver  # the fixture
from tests.seaweed import Seaweed, seaweed  # noqa: F401 - the session's S3 server fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("postgres")]

MAILS = 24  # outbound mails, half submitted to each node
BOUNCES = 4


@dataclass
class Node(Server):
    """A server with a data dir of its own (its search index, its log), sharing the
    database, the bus and the blob bucket with the others."""


@pytest.fixture(scope="module")
def nodes(
    sink: Sink,  # tests/e2e/cluster.py (a plugin of tests/conftest.py)
    seaweed: Seaweed,  # noqa: F811 - the session's S3 server
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Node, Node]]:
    need_services(PG_URL, REDIS_URL)
    shared = tmp_path_factory.mktemp("multinode")
    database = provisioned_copy("postgres", shared)
    assert database is not None
    env = cluster_env(
        database,
        blob_url=seaweed.blob_url(seaweed.new_bucket()),
        **relay_env(sink),
        QIYOU_WEBHOOK_POLL="0.2",
        QIYOU_WEBHOOK_BACKOFF="0.3",
    )
    pair = []
    for name in ("a", "b"):
        (shared / name).mkdir()
        pair.append(Node(data_dir=shared / name, env=env))
    try:
        for node in pair:
            node.start()
        yield pair[0], pair[1]
    finally:
        for node in pair:
            node.stop()
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _subject(data: bytes) -> str:
    return str(message_from_bytes(data)["Subject"])


async def _submit(node: Node, mails: list[tuple[str, str]]) -> None:
    """Submit (recipient, subject) mails from alice in one session."""
    smtp = await submission(node)
    try:
        for to, subject in mails:
            await smtp.sendmail(
                "alice@example.com", [to], simple_mail("alice@example.com", to, subject)
            )
    finally:
        await smtp.quit()


async def test_each_outbound_mail_is_delivered_once_while_both_nodes_deliver(nodes, sink):
    a, b = nodes
    mails = [(f"r{i}@far-{i % 5}.test", unique(f"two nodes {i}")) for i in range(MAILS)]

    await _submit(a, mails[0::2])
    await _submit(b, mails[1::2])

    subjects = {subject for _, subject in mails}
    await until(lambda: subjects <= {_subject(m.data) for m in sink.messages}, what="every mail")
    recipients = ", ".join(f"'{to}'" for to, _ in mails)
    await until(  # every row has its outcome: nothing is left to send again
        lambda: (
            a.sql(
                f"SELECT count(*) FROM outbound_message WHERE recipient IN ({recipients}) "
                "AND status = 'sent'"
            )
            == str(MAILS)
        ),
        what="every row SENT",
    )
    counts = Counter(_subject(m.data) for m in sink.messages)
    assert {s: counts[s] for s in subjects} == dict.fromkeys(subjects, 1)


async def test_a_block_added_through_one_node_refuses_mail_on_the_other_at_once(nodes):
    a, b = nodes
    admin = await login(a.graphql_url, "admin@example.com", PASSWORD)
    bad = f"bad-{uuid.uuid4().hex[:8]}.test"
    sender = f"x@{bad}"
    with mx(b.smtp_port) as smtp:  # b looks the lists up now: none, kept for seconds
        smtp.sendmail(sender, ["bob@example.com"], simple_mail(sender, "bob@example.com", "ok"))

    added = await admin.data(ADD, i={"kind": "BLOCK", "pattern": bad})
    assert added["addSenderListEntry"]["action"] == "REFUSE"

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused, mx(b.smtp_port) as smtp:
        smtp.sendmail(sender, ["bob@example.com"], simple_mail(sender, "bob@example.com", "no"))
    code, _ = refused.value.recipients["bob@example.com"]
    assert code == 550


async def test_each_webhook_is_posted_once_and_an_app_made_on_one_node_applies_on_both(
    nodes, receiver: Receiver
):
    a, b = nodes
    for node in (a, b):  # both nodes learn that no app has a webhook (kept 30 s)
        deliver(node, "bob@example.com", unique("before the app"))
    path = f"/multinode/{uuid.uuid4().hex}"
    await newmail_app(a, receiver.url + path)

    subjects = [unique(f"hooked {i}") for i in range(8)]
    for i, subject in enumerate(subjects):
        deliver((b, a)[i % 2], "bob@example.com", subject)

    calls = await receiver.wait(path, len(subjects))
    await until(
        lambda: a.sql("SELECT count(*) FROM webhook_delivery WHERE delivered_at IS NULL") == "0",
        what="every webhook delivered",
    )
    calls = receiver.on(path)
    assert sorted(len(for_subject(calls, s)) for s in subjects) == [1] * len(subjects), [
        c.body for c in calls
    ]


@contextlib.asynccontextmanager
async def _held(database_url: str, name: str):
    """Hold a node's singleton lock from here, as a third process would."""
    connection = await asyncpg.connect(database_url)
    try:
        for _ in range(100):  # a node may hold it for a moment, running the job itself
            if await connection.fetchval("SELECT pg_try_advisory_lock($1)", advisory_key(name)):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the {name} lock stayed taken for 10 s")
        yield
    finally:
        await connection.close()


async def test_delivery_reports_wait_for_the_lock_and_go_out_once(nodes, sink):
    a, b = nodes
    alice = await login(a.graphql_url, "alice@example.com", PASSWORD)
    gone = [f"gone-{uuid.uuid4().hex[:8]}@far-{i}.test" for i in range(BOUNCES)]
    for address in gone:
        sink.rcpt_script[address] = ["550 5.1.1 no such user"]
    listed = ", ".join(f"'{g}'" for g in gone)

    async with _held(a.env["DATABASE_URL"], "delivery-reports"):
        await _submit(a, [(g, unique("bounces")) for g in gone[0::2]])
        await _submit(b, [(g, unique("bounces")) for g in gone[1::2]])
        await until(
            lambda: (
                a.sql(
                    f"SELECT count(*) FROM outbound_message WHERE recipient IN ({listed}) "
                    "AND status = 'failed'"
                )
                == str(BOUNCES)
            ),
            what="the failures",
        )
        markers = [unique("after the failures") for _ in range(2)]
        await _submit(a, [("m@far-0.test", markers[0])])
        await _submit(b, [("m@far-1.test", markers[1])])
        await until(  # both nodes' workers have gone round since: a report had its chance
            lambda: set(markers) <= {_subject(m.data) for m in sink.messages}, what="markers"
        )
        assert (
            a.sql(
                f"SELECT count(*) FROM outbound_message WHERE recipient IN ({listed}) AND bounced"
            )
            == "0"
        ), "a delivery report was made without the lock"

    await until(
        lambda: (
            a.sql(
                f"SELECT count(*) FROM outbound_message WHERE recipient IN ({listed}) AND bounced"
            )
            == str(BOUNCES)
        ),
        what="every report made",
    )
    reports = [
        await raw(a, alice, m["id"])
        for m in await in_folder(alice, "Undelivered Mail Returned to Sender")
    ]
    per_address = {g: sum(g.encode() in r for r in reports) for g in gone}
    assert per_address == dict.fromkeys(gone, 1)
