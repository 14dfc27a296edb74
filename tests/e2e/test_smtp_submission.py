"""SMTP submission: STARTTLS + AUTH required, sender ownership, local delivery, queue, Sent."""

from __future__ import annotations

import smtplib

import aiosmtplib
import pytest

from tests.e2e.client import login
from tests.e2e.mail import find, simple_mail, submission, unique
from tests.e2e.server import PASSWORD

SENT = """
query Sent($id: ID!) { message(id: $id) { bcc { address } deliveries { recipient status } } }
"""


async def test_mail_from_before_starttls_is_refused(server):
    with smtplib.SMTP("127.0.0.1", server.submission_port, timeout=30) as smtp:
        smtp.ehlo()
        code, text = smtp.mail("alice@example.com")
    assert code == 530 and b"STARTTLS" in text


async def test_mail_without_auth_is_refused_with_530(server):
    smtp = await submission(server, user=None)
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
        await smtp.sendmail("alice@example.com", ["bob@example.com"], b"Subject: x\r\n\r\nx")
    assert refused.value.code == 530
    await smtp.quit()


async def test_wrong_password_gets_535(server):
    smtp = await submission(server, user=None)
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
        await smtp.login("alice@example.com", "not-the-password")
    assert refused.value.code == 535
    await smtp.quit()


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_both_auth_mechanisms_work(server, mechanism):
    smtp = await submission(server, user=None)
    await smtp.ehlo()
    method = smtp.auth_plain if mechanism == "PLAIN" else smtp.auth_login
    response = await method("alice@example.com", PASSWORD)
    assert response.code == 235
    await smtp.quit()


async def test_spoofed_sender_is_refused_with_553(server):
    smtp = await submission(server)
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
        await smtp.sendmail("bob@example.com", ["bob@example.com"], b"Subject: x\r\n\r\nx")
    assert refused.value.code == 553
    await smtp.quit()


async def test_sending_from_an_alias_is_allowed(server):
    subject = unique("from alias")
    smtp = await submission(server)
    await smtp.sendmail(
        "ali@example.net",
        ["bob@example.com"],
        simple_mail("ali@example.net", "bob@example.com", subject),
    )
    await smtp.quit()
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert (await find(bob, subject))["from"]["address"] == "ali@example.net"


async def test_unknown_local_recipient_is_refused(server):
    smtp = await submission(server)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await smtp.sendmail("alice@example.com", ["ghost@example.com"], b"Subject: x\r\n\r\nx")
    assert refused.value.recipients[0].code == 550
    await smtp.quit()


async def test_local_delivery_external_queue_bcc_and_sent_copy(server):
    subject = unique("submitted")
    raw = simple_mail("alice@example.com", "bob@example.com", subject)
    smtp = await submission(server)
    errors, _ = await smtp.sendmail(
        "alice@example.com", ["bob@example.com", "olga@other.org", "far@remote.test"], raw
    )
    assert errors == {}
    await smtp.quit()
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    olga = await login(server.graphql_url, "olga@other.org", PASSWORD)
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    assert await find(bob, subject) is not None
    assert await find(olga, subject) is not None, "another hosted company gets it locally"
    sent = await find(alice, subject, folder="SENT")
    assert sent is not None and sent["seen"] is True
    details = (await alice.data(SENT, id=sent["id"]))["message"]
    assert {a["address"] for a in details["bcc"]} == {"olga@other.org", "far@remote.test"}
    assert details["deliveries"] == [{"recipient": "far@remote.test", "status": "QUEUED"}]
    other = (await bob.data(SENT, id=(await find(bob, subject))["id"]))["message"]
    assert other == {"bcc": [], "deliveries": []}, "recipients see neither bcc nor queue"
