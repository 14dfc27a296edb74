"""Outbound delivery (U15) against a loopback DNS server and an SMTP sink as the remote MX:
grouping per domain, DKIM signature, STARTTLS, retries of temporary failures, bounces (RFC 3464
DSN to the sender), delay warnings, and the administrators' queue view with its scope."""

from __future__ import annotations

import asyncio
import uuid
from email import message_from_bytes

import dkim
import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import login
from tests.e2e.delivery_env import (
    deliveries,
    dkim_lookup,
    in_folder,
    publish_dkim,
    publish_mx,
    raw,
    sent_id,
    until,
)
from tests.e2e.dnsserver import DnsServer
from tests.e2e.mail import simple_mail, submission, unique
from tests.e2e.server import PASSWORD
from tests.e2e.smtpsink import Sink

REMOTE = ["one.test", "two.test", "flaky.test", "bounce.test"]
QUEUE = """
query Q($status: OutboundState) {
  outboundQueue(status: $status) { id sender recipient subject status attempts lastReply }
}
"""
CANCEL = """
mutation C($ids: [ID!]!) {
  cancelOutbound(ids: $ids) {
    __typename ... on QueueActionDone { count } ... on AdminError { code message }
  }
}
"""
RETRY = """
mutation R($ids: [ID!]!) {
  retryOutbound(ids: $ids) {
    __typename ... on QueueActionDone { count } ... on AdminError { code message }
  }
}
"""
MAIL_LOGS = """
query L($filter: MailLogFilter) {
  mailLogs(filter: $filter, first: 20) { edges { node { recipient status detail } } }
}
"""


@pytest.fixture(scope="module", params=BACKENDS)
def remote(request, tmp_path_factory):
    dns = DnsServer().start()
    sink = Sink(tmp_path_factory.mktemp("sink")).start()
    publish_mx(dns, *REMOTE)
    env = {
        "QIYOU_DNS_SERVERS": dns.address,
        "QIYOU_DNS_TIMEOUT": "2",
        "QIYOU_OUTBOUND_PORT": str(sink.port),
        "QIYOU_OUTBOUND_POLL": "0.2",
        "QIYOU_OUTBOUND_BACKOFF": "0.3",
        "QIYOU_OUTBOUND_LIFETIME": "15",
        "QIYOU_OUTBOUND_DELAY_WARNING": "2",
        "QIYOU_HOSTNAME": "mail.qiyou.test",
    }
    data_dir = tmp_path_factory.mktemp(f"delivery-{request.param}")
    with private_server(request.param, data_dir, env) as srv:
        yield srv, dns, sink
    sink.stop()
    dns.stop()


async def _send(srv, recipients: list[str], subject: str) -> None:
    smtp = await submission(srv)
    try:
        await smtp.sendmail(
            "alice@example.com",
            recipients,
            simple_mail("alice@example.com", recipients[0], subject),
        )
    finally:
        await smtp.quit()


def _subject_of(data: bytes) -> str:
    return str(message_from_bytes(data)["Subject"])


async def test_mail_is_grouped_per_domain_signed_and_marked_sent(remote):
    srv, dns, sink = remote
    admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
    await publish_dkim(dns, admin)
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    subject = unique("outbound")
    rcpts = ["x1@one.test", "x2@one.test", "y@two.test"]
    await _send(srv, rcpts, subject)

    got = await until(
        lambda: (
            [m for m in sink.messages if _subject_of(m.data) == subject]
            if sum(len(m.rcpt_tos) for m in sink.messages if _subject_of(m.data) == subject) == 3
            else None
        ),
        what="delivery to the sink",
    )
    assert sorted(sorted(m.rcpt_tos) for m in got) == [
        ["x1@one.test", "x2@one.test"],
        ["y@two.test"],
    ]
    for message in got:
        assert message.mail_from == "alice@example.com"
        assert message.tls, "opportunistic STARTTLS was offered and must be used"
        assert message.data.startswith(b"DKIM-Signature:")
        assert dkim.verify(message.data, dnsfunc=dkim_lookup(dns)), "DKIM must verify"
        tampered = message.data.replace(b"hello", b"HELLO")
        assert not dkim.verify(tampered, dnsfunc=dkim_lookup(dns))

    entry = await sent_id(alice, subject)
    status = await until(
        lambda: _all_sent(alice, entry, rcpts), what="SENT status for every recipient"
    )
    for row in status.values():
        assert row["attempts"] == 1 and row["lastError"].startswith("250")
    logs = await admin.data(MAIL_LOGS, filter={"sender": "alice@example.com", "direction": "OUT"})
    rows = [e["node"] for e in logs["mailLogs"]["edges"] if e["node"]["recipient"] in rcpts]
    assert {r["status"] for r in rows} == {"SENT"} and len(rows) == 3


async def _all_sent(client, entry, rcpts):
    rows = await deliveries(client, entry)
    if set(rows) == set(rcpts) and all(r["status"] == "SENT" for r in rows.values()):
        return rows
    return None


async def test_temporary_failures_are_retried_until_delivered(remote):
    srv, _, sink = remote
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    subject = unique("flaky")
    rcpt = f"later-{uuid.uuid4().hex[:6]}@flaky.test"
    sink.rcpt_script[rcpt] = ["451 4.7.1 Greylisted, come back later"]
    sink.ehlo_failures = 1
    await _send(srv, [rcpt], subject)
    await until(lambda: sink.for_recipient(rcpt), what="delivery after retries")
    entry = await sent_id(alice, subject)
    rows = await until(lambda: _all_sent(alice, entry, [rcpt]), what="SENT after retries")
    assert rows[rcpt]["attempts"] == 3  # 421 at EHLO, 451 at RCPT, then 250
    assert len(sink.for_recipient(rcpt)) == 1


async def test_a_permanent_failure_bounces_with_a_dsn(remote):
    srv, _, sink = remote
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    subject = unique("bounce")
    gone, fine = f"gone-{uuid.uuid4().hex[:6]}@bounce.test", "fine@bounce.test"
    sink.rcpt_script[gone] = ["550 5.1.1 <gone>: no such user"]
    await _send(srv, [gone, fine], subject)
    entry = await sent_id(alice, subject)

    async def settled():
        rows = await deliveries(alice, entry)
        return rows if {r["status"] for r in rows.values()} == {"SENT", "FAILED"} else None

    rows = await until(settled, what="one failed, one sent")
    assert rows[gone]["status"] == "FAILED" and rows[gone]["lastError"].startswith("550 5.1.1")
    assert rows[fine]["status"] == "SENT"
    bounce = await until(
        lambda: in_folder(alice, "Undelivered Mail Returned to Sender"), what="the bounce"
    )
    reports = [await raw(srv, alice, b["id"]) for b in bounce]
    report = next(r for r in reports if gone.encode() in r)
    message = message_from_bytes(report)
    assert message.get_content_type() == "multipart/report"
    assert message.get_param("report-type") == "delivery-status"
    status = next(p for p in message.walk() if p.get_content_type() == "message/delivery-status")
    text = status.as_string()
    assert f"Final-Recipient: rfc822; {gone}" in text
    assert "Action: failed" in text and "Status: 5.1.1" in text
    assert fine.encode() not in report.split(b"text/rfc822-headers")[0]
    assert subject.encode() in report  # the original headers are returned


async def test_mail_deferred_too_long_warns_then_bounces(remote):
    srv, _, sink = remote
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    subject = unique("slow")
    rcpt = f"slow-{uuid.uuid4().hex[:6]}@flaky.test"
    sink.rcpt_script[rcpt] = ["451 4.3.0 Mailbox busy"] * 1000
    await _send(srv, [rcpt], subject)

    async def warned():
        found = [await raw(srv, alice, w["id"]) for w in await in_folder(alice, "Delayed Mail")]
        return [r for r in found if rcpt.encode() in r]

    [warning] = await until(warned, timeout=30, what="the delay warning")
    assert b"Action: delayed" in warning and b"Will-Retry-Until:" in warning

    async def bounced():
        found = [await raw(srv, alice, b["id"]) for b in await in_folder(alice, "Undelivered")]
        return [r for r in found if rcpt.encode() in r]

    report = (await until(bounced, timeout=60, what="the bounce after the lifetime"))[0]
    assert b"Action: failed" in report and b"Status: 4.3.0" in report
    assert not sink.for_recipient(rcpt)


async def test_admins_see_retry_and_cancel_queued_mail_in_their_scope(remote):
    srv, _, sink = remote
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
    oscar = await login(srv.graphql_url, "oscar@other.org", PASSWORD)
    bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("cancel")
    rcpt = f"wait-{uuid.uuid4().hex[:6]}@flaky.test"
    sink.rcpt_script[rcpt] = ["452 4.2.2 Over quota, try later"] * 1000
    await _send(srv, [rcpt], subject)

    async def queued():
        rows = (await admin.data(QUEUE, status="QUEUED"))["outboundQueue"]
        return [r for r in rows if r["recipient"] == rcpt and r["attempts"] >= 1]

    [row] = await until(queued, what="the deferred row in the admin queue")
    assert row["subject"] == subject and row["lastReply"].startswith("452")
    assert row["sender"] == "alice@example.com"

    other = (await oscar.data(QUEUE))["outboundQueue"]
    assert all(r["id"] != row["id"] for r in other), "another enterprise's queue is not visible"
    denied = (await oscar.data(CANCEL, ids=[row["id"]]))["cancelOutbound"]
    assert denied["__typename"] == "AdminError" and denied["code"] == "NOT_FOUND"
    plain = await bob.execute(CANCEL, ids=[row["id"]])
    assert plain["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    retried = (await admin.data(RETRY, ids=[row["id"]]))["retryOutbound"]
    assert retried["__typename"] == "QueueActionDone"

    async def cancelled():  # a row in the middle of an attempt is not waiting: ask again
        done = (await admin.data(CANCEL, ids=[row["id"]]))["cancelOutbound"]
        assert done["__typename"] == "QueueActionDone"
        return done["count"] == 1

    await until(cancelled, what="the cancellation")
    entry = await sent_id(alice, subject)
    rows = await deliveries(alice, entry)
    assert rows[rcpt]["status"] == "FAILED" and "cancelled" in rows[rcpt]["lastError"]

    async def told():
        found = [await raw(srv, alice, b["id"]) for b in await in_folder(alice, "Undelivered")]
        return [r for r in found if rcpt.encode() in r]

    report = (await until(told, what="the cancellation report"))[0]
    assert b"cancelled by the administrator" in report


RECALL = """
mutation R($id: ID!) {
  recallMessage(id: $id) {
    __typename ... on Recall { results { address status } } ... on MailError { code message }
  }
}
"""


async def test_a_recall_stops_external_copies_still_in_the_queue(remote):
    srv, _, sink = remote
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    subject = unique("recall-queued")
    waiting = f"busy-{uuid.uuid4().hex[:6]}@flaky.test"
    gone = f"quick-{uuid.uuid4().hex[:6]}@one.test"
    sink.rcpt_script[waiting] = ["451 4.3.0 Mailbox busy"] * 1000
    await _send(srv, [waiting, gone], subject)
    entry = await sent_id(alice, subject)

    async def one_out_one_deferred():
        rows = await deliveries(alice, entry)
        return rows.get(gone, {}).get("status") == "SENT" and rows[waiting]["attempts"] >= 1

    await until(one_out_one_deferred, what="one copy sent, the other deferred")

    async def recalled():  # a copy in the middle of an attempt is not waiting: ask again
        answer = (await alice.data(RECALL, id=entry))["recallMessage"]
        assert answer["__typename"] == "Recall", answer
        results = {r["address"]: r["status"] for r in answer["results"]}
        assert results[gone] == "EXTERNAL_NOT_RECALLABLE", "handed on: cannot be taken back"
        return results[waiting] == "RECALLED"

    await until(recalled, what="the queued copy recalled")
    rows = await deliveries(alice, entry)
    assert rows[waiting]["status"] == "RECALLED" and rows[gone]["status"] == "SENT"
    attempts = rows[waiting]["attempts"]
    sink.rcpt_script[waiting] = []  # the remote would now accept it: it must not be sent
    await asyncio.sleep(2)
    assert not sink.for_recipient(waiting)
    assert (await deliveries(alice, entry))[waiting]["attempts"] == attempts
    undelivered = [await raw(srv, alice, b["id"]) for b in await in_folder(alice, "Undelivered")]
    assert not [r for r in undelivered if waiting.encode() in r], "a recall is no bounce"


# --- inbound authentication (SPF, DKIM, DMARC) with answers from the same DNS server -------


def _publish_senders(dns: DnsServer) -> str:
    """Sender domains for the inbound checks; returns the DKIM private key of signed.test."""
    from mailcore.domains.dkim import _generate

    pem, public = _generate()
    dns.set("pass.test", "TXT", ['"v=spf1 ip4:127.0.0.1 -all"'])
    dns.set("_dmarc.pass.test", "TXT", ['"v=DMARC1; p=reject"'])
    for name, policy in (("forged.test", "reject"), ("quar.test", "quarantine")):
        dns.set(name, "TXT", ['"v=spf1 ip4:192.0.2.1 -all"'])
        dns.set(f"_dmarc.{name}", "TXT", [f'"v=DMARC1; p={policy}"'])
    dns.set("signed.test", "TXT", ['"v=spf1 ip4:192.0.2.1 -all"'])
    dns.set("_dmarc.signed.test", "TXT", ['"v=DMARC1; p=reject; adkim=s"'])
    record = f"v=DKIM1; k=rsa; p={public}"
    chunks = [record[i : i + 200] for i in range(0, len(record), 200)]
    dns.set("sel._domainkey.signed.test", "TXT", [" ".join(f'"{c}"' for c in chunks)])
    return pem


async def _inbound(srv, sender: str, data: bytes) -> None:
    import aiosmtplib

    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=srv.smtp_port, start_tls=False)
    await smtp.connect()
    try:
        await smtp.sendmail(sender, ["bob@example.com"], data)
    finally:
        await smtp.quit()


async def test_inbound_spf_dkim_dmarc_results_and_policies(remote):
    import aiosmtplib

    srv, dns, _ = remote
    pem = _publish_senders(dns)
    bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)

    # SPF pass, DMARC pass; a forged Authentication-Results claiming to be ours is removed.
    ok = unique("spf-pass")
    forged_header = b"Authentication-Results: mail.qiyou.test; spf=pass; dmarc=pass\r\n"
    await _inbound(
        srv, "a@pass.test", forged_header + simple_mail("a@pass.test", "bob@example.com", ok)
    )
    [entry] = await until(lambda: in_folder(bob, ok), what="the SPF-pass mail")
    stored = await raw(srv, bob, entry["id"])
    assert stored.count(b"Authentication-Results: mail.qiyou.test") == 1
    head = stored.split(b"\r\n\r\n")[0].decode()
    assert "spf=pass smtp.mailfrom=a@pass.test" in head and "dmarc=pass" in head

    # SPF fail with DMARC p=reject: refused at the end of DATA, nothing stored.
    bad = unique("forged")
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await _inbound(srv, "a@forged.test", simple_mail("a@forged.test", "bob@example.com", bad))
    assert refused.value.code == 550 and "DMARC" in refused.value.message

    # p=quarantine: delivered to Spam, marked.
    quarantined = unique("quarantined")
    await _inbound(srv, "a@quar.test", simple_mail("a@quar.test", "bob@example.com", quarantined))
    [spam] = await until(lambda: in_folder(bob, quarantined, "SPAM"), what="the quarantined mail")
    stored = await raw(srv, bob, spam["id"])
    assert b"dmarc=fail (p=quarantine dis=quarantine)" in stored and b"X-Spam: Yes" in stored

    # SPF fails but an aligned DKIM signature passes: DMARC pass, Inbox.
    signed_subject = unique("dkim-signed")
    body = simple_mail("a@signed.test", "bob@example.com", signed_subject).replace(b"\n", b"\r\n")
    signature = dkim.sign(body, b"sel", b"signed.test", pem.encode())
    await _inbound(srv, "a@signed.test", signature + body)
    [entry] = await until(lambda: in_folder(bob, signed_subject), what="the DKIM-signed mail")
    head = (await raw(srv, bob, entry["id"])).split(b"\r\n\r\n")[0].decode()
    assert "dkim=pass header.d=signed.test header.s=sel" in head and "dmarc=pass" in head
    assert "spf=fail" in head

    # The same signature over a changed body fails, and so does DMARC (p=reject).
    tampered = signature + body.replace(b"hello", b"HELLO")
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await _inbound(srv, "a@signed.test", tampered)
    assert refused.value.code == 550
