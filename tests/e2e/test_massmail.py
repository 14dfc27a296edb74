"""Smart mass mail (U12) and hidden recipients (A14): separate copies addressed only to each
recipient, made in the background above a threshold with progress to poll, one Sent entry;
hidden recipients never appear in the headers others receive."""

from __future__ import annotations

import asyncio
from email import message_from_bytes
from email.utils import getaddresses

import httpx
import pytest

from tests.e2e.client import GraphQLClient
from tests.e2e.mail import find, unique
from tests.e2e.policy_company import Company
from tests.service.test_restrict import OUTSIDE

SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename
    ... on SendMailSuccess {
      queued
      sent { id bcc { address } }
      massMailJob { id status total processed }
    }
    ... on MailError { code field message }
  }
}
"""
JOB = """
query J($id: ID!) {
  massMailJob(id: $id) { status total processed pending delivered queued failed sentId }
}
"""
COPIES = """
query C($id: ID!, $status: CopyState) {
  massMailCopies(id: $id, status: $status, first: 500) { address status error }
}
"""
SENT_JOB = "query S($id: ID!) { message(id: $id) { massMailJob { status total } } }"
RECALL = """
mutation R($id: ID!) {
  recallMessage(id: $id) { __typename ... on Recall { recalled results { address status } } }
}
"""
MANY = 200


@pytest.fixture(scope="module")
async def co(server):
    company = await Company.create(server, "mass")
    sender = await company.member("sender")
    readers = [await company.member(name) for name in ("ann", "ben", "cat")]
    crowd = server.mailcore(
        """
        from mailcore.store.folders import ensure_system_folders
        boss = await Member.get(email=args["boss"])
        made = []
        for i in range(args["n"]):
            email = f"crowd{i:04d}@{args['domain']}"
            member = await Member.create(
                enterprise_id=boss.enterprise_id, domain_id=boss.domain_id, email=email,
                name=f"Crowd {i}", password_hash=boss.password_hash,
                quota_bytes=boss.quota_bytes, search_key=email,
            )
            await ensure_system_folders(member.id)
            made.append(email)
        return made
        """,
        boss=f"boss@{company.domain}",
        domain=company.domain,
        n=MANY,
    )
    return {"company": company, "sender": sender, "readers": readers, "crowd": crowd}


async def raw_headers(server, client: GraphQLClient, entry_id: str):
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(f"{server.url}/messages/{entry_id}/raw", headers=client.headers())
    assert response.status_code == 200
    return message_from_bytes(response.content)


def shown(message) -> set[str]:
    values = [str(v) for k in ("to", "cc") for v in message.get_all(k, [])]
    return {a.lower() for _, a in getaddresses(values) if a}


async def sent_entries(client: GraphQLClient, subject: str) -> int:
    data = await client.data(
        '{ messages(folder: "SENT", first: 100) { edges { node { subject } } } }'
    )
    return sum(e["node"]["subject"] == subject for e in data["messages"]["edges"])


async def test_separate_copies_to_many_run_in_the_background(server, co):
    sender = await co["company"].login(co["sender"])
    subject = unique("mass")
    everyone = [*co["crowd"], OUTSIDE]
    result = (
        await sender.data(
            SEND, i={"to": everyone, "subject": subject, "text": "hi", "mode": "SEPARATE"}
        )
    )["sendMail"]
    assert result["__typename"] == "SendMailSuccess", result
    job = result["massMailJob"]
    assert job["total"] == MANY + 1 and job["status"] in ("QUEUED", "RUNNING", "DONE")
    deadline = asyncio.get_running_loop().time() + 120
    while True:
        progress = (await sender.data(JOB, id=job["id"]))["massMailJob"]
        if progress["status"] == "DONE" or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.5)
    assert progress == {
        "status": "DONE",
        "total": MANY + 1,
        "processed": MANY + 1,
        "pending": 0,
        "delivered": MANY,
        "queued": 1,
        "failed": 0,
        "sentId": result["sent"]["id"],
    }
    copies = (await sender.data(COPIES, id=job["id"], status="QUEUED"))["massMailCopies"]
    assert copies == [{"address": OUTSIDE, "status": "QUEUED", "error": ""}]
    assert await sent_entries(sender, subject) == 1
    for address in (co["crowd"][0], co["crowd"][MANY // 2], co["crowd"][-1]):
        reader = await co["company"].login(address)
        copy = await find(reader, subject, wait=5)
        assert copy is not None, address
        assert shown(await raw_headers(server, reader, copy["id"])) == {address}
    queued = server.sql(
        f"SELECT count(*) FROM outbound_message WHERE recipient = '{OUTSIDE}' "
        f"AND envelope_from = '{co['sender']}'"
    )
    assert queued == "1"


async def test_small_separate_send_is_done_at_once_and_recallable(server, co):
    sender = await co["company"].login(co["sender"])
    subject = unique("few")
    result = (
        await sender.data(
            SEND,
            i={
                "to": co["readers"][:2],
                "cc": co["readers"][2:],
                "subject": subject,
                "text": "hello",
                "mode": "SEPARATE",
            },
        )
    )["sendMail"]
    assert result["massMailJob"]["status"] == "DONE"
    assert result["massMailJob"]["processed"] == 3
    sent_id = result["sent"]["id"]
    assert (await sender.data(SENT_JOB, id=sent_id))["message"]["massMailJob"] == {
        "status": "DONE",
        "total": 3,
    }
    sent = await raw_headers(server, sender, sent_id)
    assert shown(sent) == set(co["readers"])  # the sender sees everyone
    for address in co["readers"]:
        reader = await co["company"].login(address)
        copy = await find(reader, subject, wait=5)
        assert shown(await raw_headers(server, reader, copy["id"])) == {address}
    recall = (await sender.data(RECALL, id=sent_id))["recallMessage"]
    assert recall["recalled"] == 3
    assert {r["status"] for r in recall["results"]} == {"RECALLED"}


async def test_hidden_recipients_never_appear_in_the_headers(server, co):
    sender = await co["company"].login(co["sender"])
    ann, ben, cat = co["readers"]
    subject = unique("hidden")
    result = (
        await sender.data(
            SEND,
            i={"to": [ann, ben], "cc": [cat], "hidden": [ben], "subject": subject, "text": "x"},
        )
    )["sendMail"]
    assert result["__typename"] == "SendMailSuccess"
    assert [b["address"] for b in result["sent"]["bcc"]] == [ben]
    for address in (ann, ben, cat):
        reader = await co["company"].login(address)
        copy = await find(reader, subject, wait=5)
        assert copy is not None, address
        headers = await raw_headers(server, reader, copy["id"])
        assert shown(headers) == {ann, cat}
        assert ben not in str(headers.items()).lower()
    subject = unique("all-hidden")
    result = (
        await sender.data(
            SEND, i={"to": [ann, ben], "hideAllRecipients": True, "subject": subject, "text": "x"}
        )
    )["sendMail"]
    assert result["__typename"] == "SendMailSuccess"
    reader = await co["company"].login(ben)
    copy = await find(reader, subject, wait=5)
    raw = await raw_headers(server, reader, copy["id"])
    assert raw["To"] == "undisclosed-recipients:;"
    assert ann not in raw.as_string().lower() and ben not in raw.as_string().lower()
    bad = (await sender.data(SEND, i={"to": [ann], "hidden": [cat], "subject": "x", "text": "x"}))[
        "sendMail"
    ]
    assert bad["__typename"] == "MailError" and bad["field"] == "hidden"


async def test_a_job_stored_by_another_process_is_taken_up(server, co):
    """A job left queued by another process (or a crash before its worker took it) is found
    by the server's worker and completed: one copy per recipient, never two."""
    subject = unique("handed over")
    job_id = server.mailcore(
        """
        from mailcore.runtime import Runtime
        from mailcore.core.mime.build import build_message
        from mailcore.core.mime.types import Address
        from mailcore.policy import massmail
        ingestor = Runtime.create(Settings.from_env()).ingestor  # a CLI-like process
        member = await Member.get(email=args["sender"])
        to = [Address("", a) for a in args["to"]]
        raw, _ = build_message(
            from_=Address(member.name, member.email), to=to, cc=[], subject=args["subject"],
            text="resumed", html=None,
        )
        form = massmail.CopyForm(subject=args["subject"], text="resumed", html=None)
        try:
            job, _ = await massmail.start(ingestor, member, raw, form, args["to"])
        finally:
            await ingestor.close()
        return job.id
        """,
        sender=co["sender"],
        to=co["readers"],
        subject=subject,
    )
    sender = await co["company"].login(co["sender"])
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        progress = (await sender.data(JOB, id=str(job_id)))["massMailJob"]
        if progress["status"] == "DONE" or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.5)
    assert progress["status"] == "DONE" and progress["delivered"] == 3
    for address in co["readers"]:
        reader = await co["company"].login(address)
        copy = await find(reader, subject, wait=5)
        assert shown(await raw_headers(server, reader, copy["id"])) == {address}
    copies = server.sql(
        "SELECT count(*) FROM mailbox_entry e JOIN message m ON m.id = e.message_id "
        f"WHERE m.subject = '{subject}'"
    )
    assert copies == "4"  # three recipients and the sender's Sent copy
