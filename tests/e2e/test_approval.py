"""Outbound approval (A3): matching mail is held (Sent copy kept, recipients get nothing),
approvers are told (queue, live event, mail with one-time links); approve delivers, reject
returns the reason to the sender, a timeout decides; who may manage rules and decide."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.client import Subscription, login
from tests.e2e.mail import submission, unique
from tests.e2e.policy_company import Company, tag, wait_for
from tests.e2e.server import PASSWORD, seed

CREATE = """
mutation C($i: ApprovalRuleInput!) {
  createApprovalRule(input: $i) {
    __typename
    ... on ApprovalRule { id name approvers recipientScope timeoutAction }
    ... on PolicyError { code field message }
  }
}
"""
QUEUE = "{ approvalQueue { id sender subject recipients rule status } }"
MINE = "{ myHeldMail { id subject status reason decidedBy recipients } }"
DECIDE = """
mutation D($id: ID!, $approve: Boolean!, $reason: String!) {
  decideApproval(id: $id, approve: $approve, reason: $reason) {
    __typename ... on HeldMail { status decidedBy } ... on PolicyError { code message }
  }
}
"""
SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) { __typename ... on SendMailSuccess { sent { id } queued } }
}
"""
CHANGED = "subscription { approvalChanged { id status } }"
MESSAGE = "query M($id: ID!) { message(id: $id) { text } }"


@pytest.fixture(scope="module")
async def company(server):
    """P (p1, p2), Q (q1); approver ap; a receiving company with r1. Rules: mail from P to
    outside the company waits for ap (reject after a day); mail with "urgent-auto" from
    anyone is approved automatically after 2 seconds."""
    c = await Company.create(server, "appr")
    receiving = f"rcpt-{tag()}.test"  # another enterprise, no administrator needed
    seed(server, domains=(receiving,), members={f"r1@{receiving}": {}})
    pd = await c.department(f"P {tag()}")
    q = await c.department(f"Q {tag()}")
    people = {
        "p1": await c.member("p1", [pd]),
        "p2": await c.member("p2", [pd]),
        "q1": await c.member("q1", [q]),
        "ap": await c.member("ap", [q]),
        "lead": await c.member("lead", [q]),
        "r1": f"r1@{receiving}",
        "P": pd,
        "Q": q,
    }
    rule = {
        "name": "P external",
        "departmentIds": [pd],
        "recipientScope": "EXTERNAL",
        "approvers": [people["ap"]],
        "timeoutSeconds": 86400,
        "timeoutAction": "REJECT",
    }
    created = (await c.admin.data(CREATE, i=rule))["createApprovalRule"]
    assert created["__typename"] == "ApprovalRule", created
    auto = {
        "name": "auto",
        "recipientScope": "ANY",
        "keywords": ["urgent-auto"],
        "approvers": [people["ap"]],
        "timeoutSeconds": 2,
        "timeoutAction": "APPROVE",
    }
    assert (await c.admin.data(CREATE, i=auto))["createApprovalRule"]["__typename"] == (
        "ApprovalRule"
    )
    await c.grant(people["lead"], ["policies"], [q])
    c.people = people
    return c


def _held(rows: list[dict], subject: str) -> dict:
    [row] = [r for r in rows if r["subject"] == subject]
    return row


async def test_held_mail_waits_and_is_delivered_when_approved_by_link(server, company):
    p = company.people
    subject = unique("approval link")
    ap = await company.client(p["ap"])
    async with Subscription(server.ws_url, ap.token, CHANGED) as events:
        smtp = await submission(server, p["p1"])
        raw = f"From: {p['p1']}\r\nTo: {p['r1']}\r\nSubject: {subject}\r\n\r\nquote\r\n"
        await smtp.sendmail(p["p1"], [p["r1"], p["p2"], "far@away.test"], raw.encode())
        await smtp.quit()
        event = (await events.next(15))["approvalChanged"]
    assert event["status"] == "PENDING"
    p1 = await company.client(p["p1"])
    assert await wait_for(p1, subject, folder="SENT") is not None
    held = _held((await p1.data(MINE))["myHeldMail"], subject)
    assert held["status"] == "PENDING" and held["id"] == event["id"]
    assert sorted(held["recipients"]) == sorted([p["r1"], p["p2"], "far@away.test"])
    r1 = await company.client(p["r1"])
    p2 = await company.client(p["p2"])
    assert await wait_for(r1, subject, wait=0) is None
    assert await wait_for(p2, subject, wait=0) is None
    queued = "SELECT count(*) FROM outbound_message WHERE recipient = 'far@away.test'"
    before = int(server.sql(queued))
    assert _held((await ap.data(QUEUE))["approvalQueue"], subject)["sender"] == p["p1"]

    notice = await wait_for(ap, f"Approval needed: {subject}")
    assert notice is not None
    text = (await ap.data(MESSAGE, id=notice["id"]))["message"]["text"]
    approve = re.search(r"Approve: (\S+)", text).group(1)
    reject = re.search(r"Reject: (\S+)", text).group(1)
    path = approve.split("/approval/")[1]
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.get(f"/approval/{path}")
        assert page.status_code == 200 and subject in page.text and "Approve" in page.text
        assert await wait_for(r1, subject, wait=0) is None  # GET decides nothing
        done = await http.post(f"/approval/{path}")
        assert done.status_code == 200 and "approved" in done.text
        again = await http.post(f"/approval/{path}")
        assert again.status_code == 404
        late = await http.post(f"/approval/{reject.split('/approval/')[1]}", data={"reason": "x"})
        assert late.status_code == 409
    assert await wait_for(r1, subject) is not None
    assert await wait_for(p2, subject) is not None
    assert int(server.sql(queued)) == before + 1
    held = _held((await p1.data(MINE))["myHeldMail"], subject)
    assert held["status"] == "APPROVED" and held["decidedBy"] == p["ap"]
    # Internal mail of P is not held by the external rule.
    inside = unique("approval inside")
    await p1.data(SEND, i={"to": [p["p2"]], "subject": inside, "text": "hi"})
    assert await wait_for(p2, inside) is not None


async def test_rejected_mail_returns_to_the_sender_with_the_reason(server, company):
    p = company.people
    subject = unique("approval reject")
    p1 = await company.client(p["p1"])
    sent = await p1.data(SEND, i={"to": [p["r1"]], "subject": subject, "text": "prices"})
    assert sent["sendMail"]["__typename"] == "SendMailSuccess"
    held = _held((await p1.data(MINE))["myHeldMail"], subject)
    q1 = await company.client(p["q1"])  # not an approver
    refused = (await q1.data(DECIDE, id=held["id"], approve=True, reason=""))["decideApproval"]
    assert refused["code"] == "NOT_FOUND"
    ap = await company.client(p["ap"])
    decided = await ap.data(DECIDE, id=held["id"], approve=False, reason="no prices outside")
    assert decided["decideApproval"] == {
        "__typename": "HeldMail",
        "status": "REJECTED",
        "decidedBy": p["ap"],
    }
    twice = (await ap.data(DECIDE, id=held["id"], approve=True, reason=""))["decideApproval"]
    assert twice["code"] == "CONFLICT"
    notice = await wait_for(p1, f"Not sent: {subject}")
    assert notice is not None
    assert "no prices outside" in (await p1.data(MESSAGE, id=notice["id"]))["message"]["text"]
    r1 = await company.client(p["r1"])
    assert await wait_for(r1, subject, wait=1) is None
    assert _held((await p1.data(MINE))["myHeldMail"], subject)["reason"] == "no prices outside"


async def test_timeout_decides_automatically(server, company):
    p = company.people
    subject = unique("urgent-auto")
    q1 = await company.client(p["q1"])
    await q1.data(SEND, i={"to": [p["p2"]], "subject": subject, "text": "now"})
    assert _held((await q1.data(MINE))["myHeldMail"], subject)["status"] == "PENDING"
    p2 = await company.client(p["p2"])
    assert await wait_for(p2, subject, wait=20) is not None
    held = _held((await q1.data(MINE))["myHeldMail"], subject)
    assert held["status"] == "APPROVED" and held["decidedBy"] == "timeout"


async def test_who_may_manage_approval_rules(server, company):
    p = company.people
    rule = {"name": "x", "members": [p["q1"]], "approvers": [p["ap"]]}
    plain = await company.client(p["q1"])
    refused = await plain.execute(CREATE, i=rule)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await plain.data(QUEUE))["approvalQueue"] == []
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    assert (await oscar.data(CREATE, i=rule))["createApprovalRule"]["code"] == "NOT_FOUND"
    lead = await company.client(p["lead"])
    mine = (await lead.data(CREATE, i=rule))["createApprovalRule"]
    assert mine["__typename"] == "ApprovalRule"
    outside = (await lead.data(CREATE, i={**rule, "members": [p["p1"]]}))["createApprovalRule"]
    assert outside["code"] == "FORBIDDEN"
    no_approver = (await lead.data(CREATE, i={**rule, "approvers": []}))["createApprovalRule"]
    assert no_approver["code"] == "INVALID" and no_approver["field"] == "approvers"
    await lead.data(
        "mutation D($id: ID!) { deleteApprovalRule(id: $id) { __typename } }", id=mine["id"]
    )
    logged = server.sql(
        "SELECT count(*) FROM operation_log WHERE action LIKE 'approval.%' "
        f"AND actor = '{p['lead']}'"
    )
    assert int(logged) == 2
