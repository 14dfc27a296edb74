"""Read receipts (MDN, RFC 8098) across a real server: a mail sent over GraphQL with a
receipt request carries Disposition-Notification-To; the reader (``always``) opens it over
GraphQL and a proper ``multipart/report`` receipt comes back, shown on the sender's sent
mail; a receipt from outside, delivered with smtplib to the MX port, is matched too. The
choices, limits and bad receipts are tested in process (tests/service/test_receipts.py)."""

from __future__ import annotations

import asyncio
from email import message_from_bytes

import pytest

from tests.e2e.delivery_env import raw
from tests.e2e.mail import find, mx, unique
from tests.e2e.policy_company import Company

SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename ... on SendMailSuccess { sent { id messageId } } ... on MailError { code message }
  }
}
"""
MESSAGE = """
query M($id: ID!) {
  message(id: $id) {
    readReceiptRequest { notifyTo handled ask }
    readReceipts { recipient disposition automatic at }
  }
}
"""
MARK_READ = "mutation R($ids: [ID!]!) { markRead(ids: $ids) { __typename } }"
MODE = "mutation M($m: ReadReceiptMode!) { setReadReceiptMode(mode: $m) { mode } }"
THUNDERBIRD_MDN = (
    "From: Tom <tom@remote.test>\r\n"
    "To: {sender}\r\n"
    "Subject: Read: {subject}\r\n"
    "Message-ID: <mdn-{original}>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/report; report-type="disposition-notification";\r\n'
    ' boundary="------------mdn"\r\n'
    "\r\n"
    "--------------mdn\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "\r\n"
    "This is a Return Receipt for the mail that you sent to <tom@remote.test>.\r\n"
    "\r\n"
    "--------------mdn\r\n"
    'Content-Type: message/disposition-notification; name="MDNPart2.txt"\r\n'
    "Content-Disposition: inline\r\n"
    "\r\n"
    "Reporting-UA: remote.test; Thunderbird 115.0\r\n"
    "Final-Recipient: rfc822;tom@remote.test\r\n"
    "Original-Message-ID: <{original}>\r\n"
    "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
    "\r\n"
    "--------------mdn--\r\n"
)


@pytest.fixture(scope="module")
async def co(server):
    company = await Company.create(server, "mdn")
    sender, reader = await company.member("sender"), await company.member("reader")
    clients = {"as_sender": await company.login(sender), "as_reader": await company.login(reader)}
    await clients["as_reader"].data(MODE, m="ALWAYS")
    return {"sender": sender, "reader": reader, **clients}


async def receipts_of(client, entry_id: str, wait: float = 30) -> list[dict]:
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        found = (await client.data(MESSAGE, id=entry_id))["message"]["readReceipts"]
        if found or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.2)


async def test_receipt_requested_over_graphql_comes_back_when_read(server, co):
    subject = unique("mdn")
    sent = (
        await co["as_sender"].data(
            SEND,
            i={"to": [co["reader"]], "subject": subject, "text": "hi", "requestReadReceipt": True},
        )
    )["sendMail"]["sent"]
    got = await find(co["as_reader"], subject)
    stored = message_from_bytes(await raw(server, co["as_reader"], got["id"]))
    assert stored["Disposition-Notification-To"] == co["sender"]
    # when the reader opens it (their choice: always)
    await co["as_reader"].data(MARK_READ, ids=[got["id"]])
    # then the sender's sent mail shows the receipt
    [receipt] = await receipts_of(co["as_sender"], sent["id"])
    assert receipt["recipient"] == co["reader"] and receipt["disposition"] == "displayed"
    assert receipt["automatic"] is True
    # and the receipt itself is a proper MDN in the sender's Inbox
    mail = await find(co["as_sender"], f"Read: {subject}", wait=10)
    report = message_from_bytes(await raw(server, co["as_sender"], mail["id"]))
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "disposition-notification"
    human, fields = report.get_payload()[:2]
    assert human.get_content_type() == "text/plain"
    assert fields.get_content_type() == "message/disposition-notification"
    text = fields.as_string()
    assert f"Original-Message-ID: <{sent['messageId']}>" in text
    assert f"Final-Recipient: rfc822; {co['reader']}" in text
    assert "Disposition: automatic-action/MDN-sent-automatically; displayed" in text
    assert "Reporting-UA: " in text
    state = (await co["as_reader"].data(MESSAGE, id=got["id"]))["message"]["readReceiptRequest"]
    assert state == {"notifyTo": [co["sender"]], "handled": True, "ask": False}


async def test_receipt_from_outside_over_smtp_is_matched(server, co):
    subject = unique("mdn-out")
    sent = (
        await co["as_sender"].data(
            SEND,
            i={"to": ["tom@remote.test"], "subject": subject, "requestReadReceipt": True},
        )
    )["sendMail"]["sent"]
    # as Thunderbird writes one
    mdn = THUNDERBIRD_MDN.format(
        sender=co["sender"], subject=subject, original=sent["messageId"]
    ).encode()
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("", [co["sender"]], mdn)
    [receipt] = await receipts_of(co["as_sender"], sent["id"])
    assert receipt["recipient"] == "tom@remote.test" and receipt["automatic"] is False
    assert await find(co["as_sender"], f"Read: {subject}")
