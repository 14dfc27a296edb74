"""Relay mode (``QIYOU_RELAY_URL``) against a sink that requires STARTTLS and AUTH, and crash
safety: the server is killed with SIGKILL while remote servers are in the middle of DATA,
restarted, and every mail arrives exactly once."""

from __future__ import annotations

import signal
import threading
from email import message_from_bytes

import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import login
from tests.e2e.delivery_env import deliveries, sent_id, until
from tests.e2e.mail import simple_mail, submission, unique
from tests.e2e.server import PASSWORD
from tests.e2e.smtpsink import Sink

LEASE = 3  # seconds: rows of a killed process are retried this long after their claim


@pytest.fixture(scope="module", params=BACKENDS)
def relayed(request, tmp_path_factory):
    sink = Sink(tmp_path_factory.mktemp("relay"), auth=("relayuser", "s3cret pass")).start()
    env = {
        "QIYOU_RELAY_URL": f"smtp+starttls://relayuser:s3cret%20pass@127.0.0.1:{sink.port}?verify=no",
        "QIYOU_OUTBOUND_POLL": "0.2",
        "QIYOU_OUTBOUND_BACKOFF": "0.5",
        "QIYOU_OUTBOUND_LEASE": str(LEASE),
        "QIYOU_DNS_SERVERS": "127.0.0.1:9",  # nothing answers: the relay needs no DNS
        "QIYOU_DNS_TIMEOUT": "0.5",
    }
    data_dir = tmp_path_factory.mktemp(f"relay-{request.param}")
    with private_server(request.param, data_dir, env) as srv:
        yield srv, sink
    sink.stop()


async def _send(srv, recipients: list[str], subject: str) -> None:
    smtp = await submission(srv)
    try:
        raw = simple_mail("alice@example.com", recipients[0], subject)
        await smtp.sendmail("alice@example.com", recipients, raw)
    finally:
        await smtp.quit()


def _with_subject(sink: Sink, subject: str):
    return [m for m in sink.messages if str(message_from_bytes(m.data)["Subject"]) == subject]


async def test_all_external_mail_goes_through_the_relay_with_auth(relayed):
    srv, sink = relayed
    subject = unique("relayed")
    await _send(srv, ["a@nowhere-one.test", "b@nowhere-two.test"], subject)
    [got] = await until(lambda: _with_subject(sink, subject), what="the relayed mail")
    assert sorted(got.rcpt_tos) == ["a@nowhere-one.test", "b@nowhere-two.test"]
    assert got.login == "relayuser" and got.tls
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    rows = await deliveries(alice, await sent_id(alice, subject))
    assert {r["status"] for r in rows.values()} == {"SENT"}


async def test_kill_9_mid_delivery_neither_loses_nor_duplicates(relayed):
    srv, sink = relayed
    before = unique("before-kill")
    await _send(srv, ["early@far.test"], before)
    await until(lambda: _with_subject(sink, before), what="the mail sent before the kill")

    sink.hold = threading.Event()
    sink.holding.clear()
    subjects = [unique(f"in-flight-{i}") for i in range(3)]
    for i, subject in enumerate(subjects):
        await _send(srv, [f"r{i}@far-{i}.test"], subject)
    await until(sink.holding.is_set, what="a delivery held in DATA")
    srv.process.send_signal(signal.SIGKILL)
    srv.process.wait()
    sink.hold.set()  # the held transactions see their client gone: not delivered
    sink.hold = None
    srv.start()

    for subject in subjects:
        await until(lambda s=subject: _with_subject(sink, s), timeout=40, what=f"{subject}")
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    for subject in [before, *subjects]:
        assert len(_with_subject(sink, subject)) == 1, f"{subject} delivered more than once"
        rows = await deliveries(alice, await sent_id(alice, subject))
        assert {r["status"] for r in rows.values()} == {"SENT"}
