"""Read receipts (MDN, RFC 8098), in process: asked for on send, sent on reading per the
reader's choice (always / ask / never, with RFC 8098's limits: not for Spam, lists, one's
own mail, nor unasked to another address than the envelope sender), never twice, and
recorded on the sender's sent mail when they come back — over SMTP from outside too;
bad receipts stay ordinary mail."""

from __future__ import annotations

import asyncio
import uuid
from email.message import EmailMessage

import aiosmtplib
import pytest

from mailcore.receipts import mdn
from tests.e2e.mail import find, unique
from tests.e2e.policy_company import Company

SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename
    ... on SendMailSuccess { queued sent { id messageId } }
    ... on MailError { code field message }
  }
}
"""
MESSAGE = """
query M($id: ID!) {
  message(id: $id) {
    id seen messageId
    readReceiptRequest { notifyTo handled ask }
    readReceipts { recipient disposition automatic at }
  }
}
"""
MARK_READ = """
mutation R($ids: [ID!]!) { markRead(ids: $ids) { __typename ... on MailError { code } } }
"""
MODE = """
mutation M($mode: ReadReceiptMode!) { setReadReceiptMode(mode: $mode) { mode } }
"""
GET_MODE = "{ readReceiptMode }"
SEND_RECEIPT = """
mutation S($id: ID!) {
  sendReadReceipt(id: $id) {
    __typename ... on ReadReceiptDone { id } ... on ReceiptError { code field message }
  }
}
"""
DECLINE = """
mutation D($id: ID!) {
  declineReadReceipt(id: $id) {
    __typename ... on ReadReceiptDone { id } ... on ReceiptError { code field message }
  }
}
"""
MOVE = """
mutation M($ids: [ID!]!, $f: String!) { move(ids: $ids, folder: $f) { __typename } }
"""


@pytest.fixture(scope="module")
async def co(service):
    company = await Company.create(service, "receipts")
    names = ("sender", "asker", "auto", "nope", "other")
    emails = {n: await company.member(n) for n in names}
    clients = {n: await company.login(e) for n, e in emails.items()}
    for name, mode in (("auto", "ALWAYS"), ("nope", "NEVER")):
        assert (await clients[name].data(MODE, mode=mode))["setReadReceiptMode"]["mode"] == mode
    return {"company": company, "email": emails, "client": clients}


async def send(client, to: list[str], subject: str, receipt: bool = True) -> dict:
    sent = (
        await client.data(
            SEND, i={"to": to, "subject": subject, "text": "hi", "requestReadReceipt": receipt}
        )
    )["sendMail"]
    assert sent["__typename"] == "SendMailSuccess", sent
    return sent["sent"]


async def message(client, entry_id: str) -> dict:
    return (await client.data(MESSAGE, id=entry_id))["message"]


async def receipts(client, entry_id: str, count: int = 1, wait: float = 15) -> list[dict]:
    """The sent mail's receipts once there are ``count`` of them (the worker records them)."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        found = (await message(client, entry_id))["readReceipts"]
        if len(found) >= count or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.1)


async def mx(service, sender: str, to: str, raw: bytes) -> None:
    async with aiosmtplib.SMTP(
        hostname="127.0.0.1", port=service.smtp_port, start_tls=False
    ) as smtp:
        await smtp.sendmail(sender, [to], raw)


def outside_mail(to: str, subject: str, notify: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Olaf <olaf@remote.test>", to, subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@remote.test>"
    msg["Disposition-Notification-To"] = notify
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("please confirm")
    return msg.as_bytes()


async def test_asked_receipt_is_sent_once_on_click_and_shows_on_the_sent_mail(service, co):
    given, c = co["email"], co["client"]
    subject = unique("ask")
    sent = await send(c["sender"], [given["asker"]], subject)
    # The sender's own copy asks nothing of them.
    assert (await message(c["sender"], sent["id"]))["readReceiptRequest"] is None
    got = await find(c["asker"], subject)
    asked = (await message(c["asker"], got["id"]))["readReceiptRequest"]
    assert asked == {"notifyTo": [given["sender"]], "handled": False, "ask": True}
    # Marking it read sends nothing by itself for an "ask" member.
    await c["asker"].data(MARK_READ, ids=[got["id"]])
    # when they click "send receipt"
    done = (await c["asker"].data(SEND_RECEIPT, id=got["id"]))["sendReadReceipt"]
    assert done == {"__typename": "ReadReceiptDone", "id": got["id"]}
    # then it shows on the sender's sent mail, and lands in their Inbox
    [receipt] = await receipts(c["sender"], sent["id"])
    assert receipt["recipient"] == given["asker"]
    assert receipt["disposition"] == "displayed" and receipt["automatic"] is False
    assert await find(c["sender"], f"Read: {subject}")
    # and never twice
    again = (await c["asker"].data(SEND_RECEIPT, id=got["id"]))["sendReadReceipt"]
    assert again["__typename"] == "ReceiptError" and again["code"] == "ALREADY_HANDLED"
    after = (await message(c["asker"], got["id"]))["readReceiptRequest"]
    assert after == {"notifyTo": [given["sender"]], "handled": True, "ask": False}
    assert service.sql(
        f"SELECT keywords FROM mailbox_entry WHERE id = {int(got['id'])}"
    ).split() == ["$MDNSent"]


async def test_always_sends_automatically_when_read_and_never_sends_nothing(service, co):
    given, c = co["email"], co["client"]
    assert (await c["auto"].data(GET_MODE))["readReceiptMode"] == "ALWAYS"
    subject = unique("auto")
    sent = await send(c["sender"], [given["auto"], given["nope"]], subject)
    never = await find(c["nope"], subject)
    assert (await message(c["nope"], never["id"]))["readReceiptRequest"]["ask"] is False
    await c["nope"].data(MARK_READ, ids=[never["id"]])
    auto = await find(c["auto"], subject)
    assert (await message(c["auto"], auto["id"]))["readReceiptRequest"]["ask"] is False
    await c["auto"].data(MARK_READ, ids=[auto["id"]])
    [receipt] = await receipts(c["sender"], sent["id"])
    assert receipt["recipient"] == given["auto"] and receipt["automatic"] is True
    # The "never" member's mark-read came first and sent nothing; their choice stays theirs.
    assert [r["recipient"] for r in await receipts(c["sender"], sent["id"], 2, 1)] == [
        given["auto"]
    ]
    assert (
        service.sql(
            f"SELECT count(*) FROM mailbox_entry WHERE id = {int(never['id'])}"
            " AND keywords LIKE '%MDNSent%'"
        )
        == "0"
    )


async def test_decline_asks_no_more_and_sends_nothing(service, co):
    given, c = co["email"], co["client"]
    subject = unique("decline")
    sent = await send(c["sender"], [given["asker"]], subject)
    got = await find(c["asker"], subject)
    declined = (await c["asker"].data(DECLINE, id=got["id"]))["declineReadReceipt"]
    assert declined["__typename"] == "ReadReceiptDone"
    assert (await message(c["asker"], got["id"]))["readReceiptRequest"]["handled"] is True
    refused = (await c["asker"].data(SEND_RECEIPT, id=got["id"]))["sendReadReceipt"]
    assert refused["code"] == "ALREADY_HANDLED"
    assert await receipts(c["sender"], sent["id"], 1, 1) == []


async def test_only_the_owner_may_act_and_only_the_sender_sees_receipts(service, co):
    given, c = co["email"], co["client"]
    subject = unique("authz")
    sent = await send(c["sender"], [given["asker"], given["other"]], subject)
    got = await find(c["asker"], subject)
    for mutation, name in ((SEND_RECEIPT, "sendReadReceipt"), (DECLINE, "declineReadReceipt")):
        refused = (await c["other"].data(mutation, id=got["id"]))[name]
        assert refused["__typename"] == "ReceiptError" and refused["code"] == "NOT_FOUND"
    for bad in ("nope", "-1"):
        refused = (await c["asker"].data(SEND_RECEIPT, id=bad))["sendReadReceipt"]
        assert refused["code"] == "NOT_FOUND", refused
    # An id no row can have is refused before any resolver runs (schema/ids.py).
    refused = await c["asker"].execute(SEND_RECEIPT, id="99999999999999999999")
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["INVALID"], refused
    assert (await c["asker"].data(SEND_RECEIPT, id=got["id"]))["sendReadReceipt"]["id"]
    await receipts(c["sender"], sent["id"])
    # The other recipient's copy shares the message but not the sender's receipts.
    theirs = await find(c["other"], subject)
    assert (await message(c["other"], theirs["id"]))["readReceipts"] == []
    # Mail without a request asks nothing and takes no receipt.
    plain = unique("plain")
    await send(c["sender"], [given["asker"]], plain, receipt=False)
    got = await find(c["asker"], plain)
    assert (await message(c["asker"], got["id"]))["readReceiptRequest"] is None
    refused = (await c["asker"].data(SEND_RECEIPT, id=got["id"]))["sendReadReceipt"]
    assert refused["code"] == "NOT_REQUESTED"


async def test_spam_lists_and_other_addresses_from_outside(service, co):
    given, c = co["email"], co["client"]
    # A list's mail asks nothing (RFC 8098 2.1).
    listed = unique("list")
    await mx(
        service,
        "olaf@remote.test",
        given["auto"],
        outside_mail(given["auto"], listed, "olaf@remote.test", List_Id="<news.remote.test>"),
    )
    got = await find(c["auto"], listed)
    assert (await message(c["auto"], got["id"]))["readReceiptRequest"] is None
    # Mail in Spam asks nothing either.
    spam = unique("spam")
    await mx(
        service,
        "olaf@remote.test",
        given["asker"],
        outside_mail(given["asker"], spam, "olaf@remote.test"),
    )
    got = await find(c["asker"], spam)
    await c["asker"].data(MOVE, ids=[got["id"]], f="SPAM")
    assert (await message(c["asker"], got["id"]))["readReceiptRequest"] is None
    assert (await c["asker"].data(SEND_RECEIPT, id=got["id"]))["sendReadReceipt"][
        "code"
    ] == "NOT_REQUESTED"
    # A receipt asked to go elsewhere than the envelope sender: "always" asks instead.
    elsewhere = unique("elsewhere")
    await mx(
        service,
        "olaf@remote.test",
        given["auto"],
        outside_mail(given["auto"], elsewhere, "collector@tracker.test"),
    )
    got = await find(c["auto"], elsewhere)
    await c["auto"].data(MARK_READ, ids=[got["id"]])
    asked = (await message(c["auto"], got["id"]))["readReceiptRequest"]
    assert asked == {"notifyTo": ["collector@tracker.test"], "handled": False, "ask": True}
    # sent on a click: to the outbound queue, from the null sender
    assert (await c["auto"].data(SEND_RECEIPT, id=got["id"]))["sendReadReceipt"]["id"]
    queued = service.sql(
        "SELECT envelope_from || '|' || recipient FROM outbound_message"
        " WHERE recipient = 'collector@tracker.test'"
    )
    assert queued == "|collector@tracker.test"
    # Never to a group or role address of ours: a stranger's Disposition-Notification-To
    # would mail a whole list as a colleague (review finding).
    grouped = unique("grouped")
    role = "postmaster@" + given["auto"].split("@")[1]
    await mx(service, "olaf@remote.test", given["auto"], outside_mail(given["auto"], grouped, role))
    got = await find(c["auto"], grouped)
    refused = (await c["auto"].data(SEND_RECEIPT, id=got["id"]))["sendReadReceipt"]
    assert refused["code"] == "NOT_ALLOWED", refused


async def test_receipts_from_outside_over_smtp_and_bad_ones_stay_mail(service, co):
    given, c = co["email"], co["client"]
    subject = unique("outside")
    sent = await send(c["sender"], ["tom@remote.test"], subject)
    original = service.sql(f"SELECT message_id FROM message WHERE subject = '{subject}'")
    assert original == sent["messageId"]
    head = f"Message-ID: <{original}>\r\nSubject: {subject}\r\n".encode()
    raw = mdn.build_mdn(
        hostname="mx.remote.test",
        reader_name="Tom",
        reader="tom@remote.test",
        to=[given["sender"]],
        original=mdn.Original(original, None, head),
        subject=subject,
        sent=None,
        automatic=False,
    )
    await mx(service, "", given["sender"], raw)
    [receipt] = await receipts(c["sender"], sent["id"])
    assert receipt["recipient"] == "tom@remote.test" and receipt["disposition"] == "displayed"
    # An unknown Original-Message-ID and a malformed report: ordinary mail, nothing recorded.
    unknown = raw.replace(original.encode(), b"unknown-" + original.encode())
    unknown = unknown.replace(f"Read: {subject}".encode(), b"Read: unknown")
    broken = raw.replace(b"Disposition: manual-action", b"Disposition: ???")
    broken = broken.replace(b"Original-Message-ID", b"X-Original-Message-ID")
    broken = broken.replace(f"Read: {subject}".encode(), b"Read: broken")
    for bad in (
        unknown,
        broken,
        b"Content-Type: multipart/report; report-type=disposition-"
        b"notification; boundary=x\r\nSubject: Read: truncated\r\n\r\n--x\r\n",
    ):
        await mx(service, "", given["sender"], bad)
    for title in ("Read: unknown", "Read: broken", "Read: truncated"):
        assert await find(c["sender"], title, wait=10), title
    assert len(await receipts(c["sender"], sent["id"], 2, 1)) == 1


async def test_separate_copies_ask_too_and_their_receipts_show_on_the_sent_copy(service, co):
    given, c = co["email"], co["client"]
    subject = unique("separate")
    sent = (
        await c["sender"].data(
            SEND,
            i={
                "to": [given["asker"], given["other"]],
                "subject": subject,
                "text": "each their own",
                "mode": "SEPARATE",
                "requestReadReceipt": True,
            },
        )
    )["sendMail"]
    assert sent["__typename"] == "SendMailSuccess", sent
    for name in ("asker", "other"):
        got = await find(c[name], subject, wait=15)
        asked = (await message(c[name], got["id"]))["readReceiptRequest"]
        assert asked == {"notifyTo": [given["sender"]], "handled": False, "ask": True}
    # each copy has its own Message-ID; the receipt shows on the job's Sent copy
    assert (await c["other"].data(SEND_RECEIPT, id=got["id"]))["sendReadReceipt"]["id"]
    [receipt] = await receipts(c["sender"], sent["sent"]["id"])
    assert receipt["recipient"] == given["other"]


async def test_a_draft_keeps_the_request_and_the_sender_sees_it_asked(service, co):
    given, c = co["email"], co["client"]
    query = (
        "query M($id: ID!) { message(id: $id) { readReceiptRequested readReceiptRequest { ask } } }"
    )
    save = """
    mutation D($i: ComposeInput!) {
      saveDraft(input: $i) { __typename ... on DraftSaved { draft { id } } }
    }
    """
    fields = {"to": [given["asker"]], "subject": unique("draft"), "requestReadReceipt": True}
    draft = (await c["sender"].data(save, i=fields))["saveDraft"]["draft"]
    state = (await c["sender"].data(query, id=draft["id"]))["message"]
    assert state == {"readReceiptRequested": True, "readReceiptRequest": None}
    plain = (await c["sender"].data(save, i={**fields, "requestReadReceipt": False}))["saveDraft"]
    state = (await c["sender"].data(query, id=plain["draft"]["id"]))["message"]
    assert state == {"readReceiptRequested": False, "readReceiptRequest": None}
    sent = await send(c["sender"], [given["asker"]], unique("asked"))
    state = (await c["sender"].data(query, id=sent["id"]))["message"]
    assert state == {"readReceiptRequested": True, "readReceiptRequest": None}
