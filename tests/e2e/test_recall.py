"""Recall (U3, A4): senders take back unread internal copies within the window (read ones
too when the enterprise allows it); per-recipient results stored on the sent message;
recipients' open clients see the message go; administrators recall any copy in scope."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.client import GraphQLClient, Subscription, login
from tests.e2e.mail import find, unique
from tests.e2e.policy_company import Company
from tests.e2e.server import PASSWORD
from tests.service.test_restrict import OUTSIDE, send

SETTLE = 0.5  # the server subscribes to the bus right after `subscribe`
CHANGES = "subscription { mailboxChanged { change ids } }"
RECALL = """
mutation R($id: ID!) {
  recallMessage(id: $id) {
    __typename
    ... on Recall { id recalled results { address status } }
    ... on MailError { code field message }
  }
}
"""
STATUS = """
query S($id: ID!) { message(id: $id) { recall { recalled results { address status } } } }
"""
MID = "query M($id: ID!) { message(id: $id) { messageId } }"
POLICY = """
mutation P($minutes: Int, $read: Boolean) {
  setMailPolicy(recallWindowMinutes: $minutes, recallRead: $read) {
    __typename ... on MailPolicyType { recallWindowMinutes recallRead } ... on AdminError { code }
  }
}
"""
ADMIN_RECALL = """
mutation A($mid: String!) {
  adminRecallMessage(messageId: $mid) {
    __typename
    ... on Recall { recalled byAdmin results { address status } }
    ... on AdminError { code message }
  }
}
"""
MARK_READ = "mutation M($id: ID!) { markRead(ids: [$id]) { __typename } }"


@pytest.fixture(scope="module")
async def co(server):
    company = await Company.create(server, "recall")
    team = await company.department("Team")
    people = {
        name: await company.member(name, [team] if name in ("r3", "lead") else None)
        for name in ("sender", "r1", "r2", "r3", "lead", "plain")
    }
    await company.grant(people["lead"], ["policies"], [team])
    return {"company": company, "Team": team, **people}


async def sent_to(co, *recipients: str, extra: list[str] | None = None) -> tuple[str, str]:
    """Send as ``sender``; returns (subject, Sent entry id)."""
    sender = await co["company"].login(co["sender"])
    subject = unique("recall")
    result = await send(sender, to=list(recipients) + (extra or []), subject=subject)
    assert result["__typename"] == "SendMailSuccess", result
    return subject, result["sent"]["id"]


async def inbox_copy(co, email: str, subject: str) -> tuple[GraphQLClient, dict | None]:
    client = await co["company"].login(email)
    return client, await find(client, subject, wait=5)


def used(server, email: str) -> int:
    return int(server.sql(f"SELECT used_bytes FROM member WHERE email = '{email}'"))


async def test_sender_recalls_unread_copies_and_clients_see_them_go(server, co):
    subject, sent_id = await sent_to(co, co["r1"], co["r2"], extra=[OUTSIDE])
    r1, copy1 = await inbox_copy(co, co["r1"], subject)
    r2, copy2 = await inbox_copy(co, co["r2"], subject)
    assert copy1 and copy2
    await r2.data(MARK_READ, id=copy2["id"])
    before = used(server, co["r1"])
    sender = await co["company"].login(co["sender"])
    async with Subscription(server.ws_url, r1.token, CHANGES) as live:
        await asyncio.sleep(SETTLE)
        recall = (await sender.data(RECALL, id=sent_id))["recallMessage"]
        event = await live.next()
    assert event["mailboxChanged"] == {"change": "recalled", "ids": [copy1["id"]]}
    results = {r["address"]: r["status"] for r in recall["results"]}
    # This server has no DNS: the external copy waits in the outbound queue and is stopped,
    # unless a delivery attempt holds it at that moment (test_delivery.py covers both).
    outside = results.pop(OUTSIDE)
    assert outside in ("RECALLED", "EXTERNAL_NOT_RECALLABLE")
    assert results == {co["r1"]: "RECALLED", co["r2"]: "ALREADY_READ"}
    recalled = 1 + (outside == "RECALLED")
    assert recall["__typename"] == "Recall" and recall["recalled"] == recalled
    assert await find(r1, subject, wait=0) is None
    assert await find(r2, subject, wait=0) is not None
    assert used(server, co["r1"]) < before
    stored = (await sender.data(STATUS, id=sent_id))["message"]["recall"]
    assert stored["recalled"] == recalled and len(stored["results"]) == 3
    again = (await sender.data(RECALL, id=sent_id))["recallMessage"]
    assert {r["address"]: r["status"] for r in again["results"]}[co["r1"]] == "NOT_FOUND"


async def test_enterprise_policy_sets_the_window_and_read_copies(server, co):
    admin = co["company"].admin
    subject, sent_id = await sent_to(co, co["r1"])
    r1, copy = await inbox_copy(co, co["r1"], subject)
    await r1.data(MARK_READ, id=copy["id"])
    sender = await co["company"].login(co["sender"])
    try:
        closed = (await admin.data(POLICY, minutes=0))["setMailPolicy"]
        assert closed == {
            "__typename": "MailPolicyType",
            "recallWindowMinutes": 0,
            "recallRead": False,
        }
        late = (await sender.data(RECALL, id=sent_id))["recallMessage"]
        assert late["__typename"] == "MailError" and late["code"] == "RECALL_WINDOW_PASSED"
        await admin.data(POLICY, minutes=60, read=True)
        recall = (await sender.data(RECALL, id=sent_id))["recallMessage"]
        assert recall["results"] == [{"address": co["r1"], "status": "RECALLED"}]
        assert await find(r1, subject, wait=0) is None
    finally:
        await admin.data(POLICY, minutes=24 * 60, read=False)
    plain = await co["company"].login(co["plain"])
    denied = await plain.execute(POLICY, minutes=5)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_only_own_sent_messages_can_be_recalled(server, co):
    subject, sent_id = await sent_to(co, co["r1"])
    r1, copy = await inbox_copy(co, co["r1"], subject)
    not_sent = (await r1.data(RECALL, id=copy["id"]))["recallMessage"]
    assert not_sent["code"] == "INVALID"
    other = (await r1.data(RECALL, id=sent_id))["recallMessage"]
    assert other["code"] == "NOT_FOUND"
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    assert (await alice.data(RECALL, id=sent_id))["recallMessage"]["code"] == "NOT_FOUND"


async def test_admin_recalls_read_copies_within_scope_only(server, co):
    subject, sent_id = await sent_to(co, co["r2"], co["r3"])
    sender = await co["company"].login(co["sender"])
    mid = (await sender.data(MID, id=sent_id))["message"]["messageId"]
    r3, copy3 = await inbox_copy(co, co["r3"], subject)
    await r3.data(MARK_READ, id=copy3["id"])
    plain = await co["company"].login(co["plain"])
    assert (await plain.execute(ADMIN_RECALL, mid=mid))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    foreign = (await oscar.data(ADMIN_RECALL, mid=mid))["adminRecallMessage"]
    assert foreign["code"] == "NOT_FOUND"
    lead = await co["company"].login(co["lead"])
    async with Subscription(server.ws_url, r3.token, CHANGES) as live:
        await asyncio.sleep(SETTLE)
        scoped = (await lead.data(ADMIN_RECALL, mid=f"<{mid}>"))["adminRecallMessage"]
        event = await live.next()
    assert event["mailboxChanged"]["change"] == "recalled"
    assert scoped["byAdmin"] and scoped["recalled"] == 1
    assert {r["address"]: r["status"] for r in scoped["results"]} == {
        co["r2"]: "OUT_OF_SCOPE",
        co["r3"]: "RECALLED",
    }
    assert await find(r3, subject, wait=0) is None
    full = (await co["company"].admin.data(ADMIN_RECALL, mid=mid))["adminRecallMessage"]
    assert full["results"] == [{"address": co["r2"], "status": "RECALLED"}]
    assert await find(sender, subject, folder="SENT", wait=0) is not None
    logged = server.sql("SELECT count(*) FROM operation_log WHERE action = 'mail.recall'")
    assert int(logged) >= 2
