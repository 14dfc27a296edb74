"""Two real nodes, as an operator runs them: one process with roles ``mx,submission,worker``
and one with ``http``, each with a data dir of its own, sharing PostgreSQL, Redis and an S3
bucket (SeaweedFS). Mail delivered over SMTP to the first is read (body, attachment, raw),
found by search (the second node's own index follows the search feed, as its /metrics
tell) and pushed live on the second; outbound mail goes out once through a relay;
a node killed with SIGKILL loses nothing it acknowledged."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PG_URL, REDIS_URL, _psql, need_services, provisioned_copy
from tests.e2e.client import Subscription, login
from tests.e2e.cluster import cluster_env, relay_env
from tests.e2e.delivery_env import until
from tests.e2e.mail import find, mx, simple_mail, submission, unique
from tests.e2e.server import PASSWORD
from tests.e2e.smtpsink import Sink
from tests.e2e.test_roles import RoleNode
from tests.e2e.test_search import until_found
from tests.seaweed import Seaweed, seaweed  # noqa: F401 - the session's S3 server fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("postgres")]

NEW_MAIL = "subscription { newMail { id subject } }"
MESSAGE = """query($id: ID!) { message(id: $id) {
  text attachments { filename size url } } }"""
SETTLE = 0.5  # the server subscribes to the bus right after `subscribe`


@pytest.fixture(scope="module")
def nodes(
    sink: Sink,  # tests/e2e/cluster.py (a plugin of tests/conftest.py)
    seaweed: Seaweed,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RoleNode, RoleNode]]:
    need_services(PG_URL, REDIS_URL)
    root = tmp_path_factory.mktemp("nodes")
    database = provisioned_copy("postgres", root)  # migrated once: the nodes do not migrate
    assert database is not None
    env = cluster_env(database, blob_url=seaweed.blob_url(seaweed.new_bucket()), **relay_env(sink))
    (root / "mail").mkdir()
    (root / "web").mkdir()
    mail = RoleNode(data_dir=root / "mail", env=env, roles="mx,submission,worker")
    web = RoleNode(data_dir=root / "web", env=env, roles="http")
    try:
        mail.start()
        web.start()
        yield mail, web
    finally:
        web.stop()
        mail.stop()
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _mail_with_attachment(subject: str, body: str, payload: bytes) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "far@outside.test", "bob@example.com", subject
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@outside.test>"
    mail.set_content(body)
    mail.add_attachment(payload, maintype="application", subtype="pdf", filename="报价单.pdf")
    return mail.as_bytes()


async def test_mail_taken_by_one_node_is_read_found_and_pushed_on_the_other(nodes):
    mail_node, web = nodes
    bob = await login(web.graphql_url, "bob@example.com", PASSWORD)
    tag = unique("nodes").split()[1]
    subject = f"季度报价 {tag}"
    payload = b"%PDF-1.4 " + bytes(range(256)) * 300
    raw = _mail_with_attachment(subject, f"请查收附件 {tag}", payload)

    async with Subscription(web.ws_url, bob.token, NEW_MAIL) as live:
        await asyncio.sleep(SETTLE)
        with mx(mail_node.smtp_port) as smtp:  # stored by the mail node ...
            smtp.sendmail("far@outside.test", ["bob@example.com"], raw)
        pushed = (await live.next(timeout=15))["newMail"]  # ... pushed by the web node
    assert pushed["subject"] == subject

    message = (await bob.data(MESSAGE, id=pushed["id"]))["message"]
    assert f"请查收附件 {tag}" in message["text"]
    [attachment] = message["attachments"]
    async with httpx.AsyncClient(base_url=web.url, timeout=10) as http:
        download = await http.get(attachment["url"], headers=bob.headers())
        assert download.status_code == 200 and download.content == payload
        whole = await http.get(f"/messages/{pushed['id']}/raw", headers=bob.headers())
        assert whole.status_code == 200
        assert raw.rstrip(b"\r\n")[-300:] in whole.content.replace(b"\r\n", b"\n")

    found = await until_found(bob, tag, 1)  # the web node's own index followed the feed
    assert [e["node"]["subject"] for e in found["edges"]] == [subject]
    await until(lambda: _feed_behind(web) == 0, what="the web node's index caught up")


def _feed_behind(node: RoleNode) -> float | None:
    """What the node's /metrics says its index has not applied of the search feed."""
    text = httpx.get(f"{node.url}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "qiyou_search_feed_behind" and sample.labels["space"] == "mail":
                return sample.value
    return None


async def test_outbound_mail_goes_out_once(nodes, sink):
    mail_node, _ = nodes
    subject = unique("nodes outbound")
    smtp = await submission(mail_node)
    try:
        await smtp.sendmail(
            "alice@example.com",
            ["pat@far-away.test"],
            simple_mail("alice@example.com", "pat@far-away.test", subject),
        )
    finally:
        await smtp.quit()
    await until(
        lambda: [m for m in sink.messages if subject.encode() in m.data], what="the relayed mail"
    )
    await until(
        lambda: (
            mail_node.sql(
                "SELECT count(*) FROM outbound_message WHERE recipient = 'pat@far-away.test'"
                " AND status = 'sent'"
            )
            != "0"
        ),
        what="the row marked sent",
    )
    assert len([m for m in sink.messages if subject.encode() in m.data]) == 1


async def test_a_node_killed_with_sigkill_loses_nothing_it_acknowledged(nodes, sink):
    mail_node, web = nodes
    tag = unique("killed").split()[1]
    inbound = [f"before the kill {tag} {n}" for n in range(5)]
    outbound = f"sent before the kill {tag}"
    with mx(mail_node.smtp_port) as smtp:
        for subject in inbound:  # each one acknowledged with 250
            smtp.sendmail(
                "far@outside.test",
                ["bob@example.com"],
                simple_mail("far@outside.test", "bob@example.com", subject),
            )
    smtp = await submission(mail_node)
    await smtp.sendmail(
        "alice@example.com",
        ["kim@far-away.test"],
        simple_mail("alice@example.com", "kim@far-away.test", outbound),
    )
    mail_node.process.send_signal(signal.SIGKILL)  # at once, the session left open
    mail_node.process.wait()
    mail_node.start()

    bob = await login(web.graphql_url, "bob@example.com", PASSWORD)
    for subject in inbound:
        assert await find(bob, subject, wait=10), subject
    # the index may wait for a search job the killed node had claimed: its lease (30 s)
    found = await until_found(bob, tag, len(inbound), wait=60)
    assert found["totalCount"] == len(inbound)
    await until(
        lambda: [m for m in sink.messages if outbound.encode() in m.data], what="the relayed mail"
    )
    await asyncio.sleep(1)  # a second delivery would come within the poll interval
    assert len([m for m in sink.messages if outbound.encode() in m.data]) == 1
