"""Inbound black/white lists (A15) and the spam policy: enterprise lists (admins, scoped,
logged) and member lists, applied at SMTP RCPT/DATA time on the MX port."""

from __future__ import annotations

import smtplib

import pytest

from tests.e2e.client import login
from tests.e2e.delivery_env import in_folder, raw, until
from tests.e2e.mail import mx, simple_mail, unique
from tests.e2e.policy_company import Company, tag
from tests.e2e.server import PASSWORD

ADD = """
mutation A($i: SenderListEntryInput!) {
  addSenderListEntry(input: $i) {
    __typename ... on SenderListEntry { id kind pattern action }
    ... on AdminError { code field message }
  }
}
"""
REMOVE = """
mutation R($id: ID!) {
  removeSenderListEntry(id: $id) { __typename ... on AdminError { code message } }
}
"""
LISTS = "query L($k: SenderListKind) { senderLists(kind: $k) { id kind pattern action } }"
ADD_MINE = """
mutation A($i: SenderListEntryInput!) {
  addMySenderListEntry(input: $i) {
    __typename ... on SenderListEntry { id kind pattern action }
    ... on DeliveryError { code field message }
  }
}
"""
REMOVE_MINE = """
mutation R($id: ID!) {
  removeMySenderListEntry(id: $id) { __typename ... on DeliveryError { code message } }
}
"""
MINE = "{ mySenderLists { id kind pattern action } }"
SPAM = """
mutation S($on: Boolean, $t: Float) {
  setSpamPolicy(enabled: $on, threshold: $t) {
    __typename ... on SpamPolicy { enabled threshold } ... on AdminError { code field message }
  }
}
"""
OPLOG = """
query O { operationLogs(first: 50) { edges { node { action target } } } }
"""
SPAMMY = "YOU HAVE WON THE LOTTERY"
SPAMMY_BODY = "Dear friend, you have won! Claim your prize now, lottery winner."


@pytest.fixture(scope="module")
async def company(server):
    company = await Company.create(server, "lists")
    dept = await company.department(f"L {tag()}")
    company.m1 = await company.member("m1", [dept])
    company.m2 = await company.member("m2", [dept])
    company.clerk = await company.member("clerk", [dept])
    await company.grant(company.clerk, ["members"], [dept])
    return company


def _send(server, sender: str, rcpts: list[str], subject: str, body: str = "hello") -> dict:
    with mx(server.smtp_port) as smtp:
        return smtp.sendmail(sender, rcpts, simple_mail(sender, rcpts[0], subject, body))


async def test_enterprise_black_list_refuses_at_rcpt_or_sends_to_spam(server, company):
    boss = company.admin
    bad, junk = f"bad-{tag()}.test", f"junk-{tag()}.test"
    refused = await boss.data(ADD, i={"kind": "BLOCK", "pattern": f"@{bad.upper()}"})
    entry = refused["addSenderListEntry"]
    assert entry["pattern"] == bad and entry["action"] == "REFUSE"
    spam = await boss.data(ADD, i={"kind": "BLOCK", "pattern": junk, "action": "SPAM"})
    assert spam["addSenderListEntry"]["action"] == "SPAM"

    with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
        _send(server, f"x@mail.{bad}", [company.m1], unique("blocked"))  # subdomains too
    code, text = exc.value.recipients[company.m1]
    assert code == 550 and b"5.7.1" in text and b"refused by the recipient's organization" in text

    subject = unique("junk")
    _send(server, f"x@{junk}", [company.m1], subject)
    m1 = await company.client(company.m1)
    assert await until(lambda: in_folder(m1, subject, "SPAM"), what="blocked mail in Spam")
    assert not await in_folder(m1, subject)

    # Removing the entry lets the sender through again; both changes are in the log.
    await boss.data(REMOVE, id=entry["id"])
    subject = unique("unblocked")
    _send(server, f"x@{bad}", [company.m1], subject)
    assert await until(lambda: in_folder(m1, subject), what="mail after unblocking")
    actions = {
        (e["node"]["action"], e["node"]["target"])
        for e in (await boss.data(OPLOG))["operationLogs"]["edges"]
    }
    assert ("senderlist.block.add", bad) in actions and ("senderlist.block.remove", bad) in actions


async def test_member_black_list_sends_only_their_copy_to_spam(server, company):
    m1 = await company.client(company.m1)
    m2 = await company.client(company.m2)
    sender = f"pest@pest-{tag()}.test"
    added = (await m1.data(ADD_MINE, i={"kind": "BLOCK", "pattern": sender}))[
        "addMySenderListEntry"
    ]
    assert added["action"] == "SPAM" and added["kind"] == "BLOCK"
    subject = unique("pest")
    _send(server, sender, [company.m1, company.m2], subject)
    assert await until(lambda: in_folder(m1, subject, "SPAM"), what="m1's copy in Spam")
    assert await until(lambda: in_folder(m2, subject), what="m2's copy in Inbox")

    # A refuse entry of a member refuses that RCPT only.
    other = f"loud@loud-{tag()}.test"
    await m2.data(ADD_MINE, i={"kind": "BLOCK", "pattern": other, "action": "REFUSE"})
    with mx(server.smtp_port) as smtp:
        refused = smtp.sendmail(
            other, [company.m1, company.m2], simple_mail(other, company.m1, "x")
        )
    assert refused[company.m2][0] == 550 and company.m1 not in refused


async def test_white_lists_skip_the_spam_checker(server, company):
    m1 = await company.client(company.m1)
    m2 = await company.client(company.m2)
    friend = f"friend@friend-{tag()}.test"
    subject = f"{SPAMMY} {tag()}"
    _send(server, friend, [company.m1], subject, SPAMMY_BODY)
    [spam] = await until(lambda: in_folder(m1, subject, "SPAM"), what="spam in Spam")
    stored = await raw(server, m1, spam["id"])
    assert b"X-Spam: Yes" in stored and b"SPAM_PHRASE" in stored

    await m1.data(ADD_MINE, i={"kind": "ALLOW", "pattern": friend.split("@")[1]})
    subject = f"{SPAMMY} {tag()}"
    _send(server, friend, [company.m1, company.m2], subject, SPAMMY_BODY)
    assert await until(lambda: in_folder(m1, subject), what="whitelisted mail in the Inbox")
    assert await until(lambda: in_folder(m2, subject, "SPAM"), what="m2 has no white list")

    await company.admin.data(ADD, i={"kind": "ALLOW", "pattern": friend})
    subject = f"{SPAMMY} {tag()}"
    _send(server, friend, [company.m2], subject, SPAMMY_BODY)
    assert await until(lambda: in_folder(m2, subject), what="enterprise white list")


async def test_spam_policy_can_be_turned_off_and_tuned(server, company):
    boss = company.admin
    m1 = await company.client(company.m1)
    sender = f"bulk@bulk-{tag()}.test"
    off = (await boss.data(SPAM, on=False))["setSpamPolicy"]
    assert off == {"__typename": "SpamPolicy", "enabled": False, "threshold": 5.0}
    subject = f"{SPAMMY} {tag()}"
    _send(server, sender, [company.m1], subject, SPAMMY_BODY)
    assert await until(lambda: in_folder(m1, subject), what="unfiltered mail in the Inbox")

    strict = (await boss.data(SPAM, on=True, t=0.5))["setSpamPolicy"]
    assert strict["enabled"] is True and strict["threshold"] == 0.5
    subject = unique("plain but strict")  # no Date header scores 1.0 >= 0.5
    _send(server, sender, [company.m1], subject)
    assert await until(lambda: in_folder(m1, subject, "SPAM"), what="strict threshold")
    bad = (await boss.data(SPAM, t=-1))["setSpamPolicy"]
    assert bad["__typename"] == "AdminError" and bad["code"] == "INVALID"
    await boss.data(SPAM, t=5.0)


async def test_list_input_is_checked_and_access_is_scoped(server, company):
    boss = company.admin
    own = await boss.data(ADD, i={"kind": "BLOCK", "pattern": company.domain})
    assert own["addSenderListEntry"]["code"] == "INVALID"
    junk = await boss.data(ADD, i={"kind": "BLOCK", "pattern": "not a domain!"})
    assert junk["addSenderListEntry"]["code"] == "INVALID"
    pattern = f"dup-{tag()}.test"
    first = (await boss.data(ADD, i={"kind": "BLOCK", "pattern": pattern}))["addSenderListEntry"]
    again = (await boss.data(ADD, i={"kind": "BLOCK", "pattern": pattern}))["addSenderListEntry"]
    assert again["code"] == "ALREADY_EXISTS"

    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    assert all(e["pattern"] != pattern for e in (await oscar.data(LISTS))["senderLists"])
    foreign = (await oscar.data(REMOVE, id=first["id"]))["removeSenderListEntry"]
    assert foreign["code"] == "NOT_FOUND"
    clerk = await company.client(company.clerk)
    scoped = await clerk.data(ADD, i={"kind": "BLOCK", "pattern": f"c-{tag()}.test"})
    assert scoped["addSenderListEntry"]["code"] == "FORBIDDEN"
    assert (await clerk.execute(LISTS))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    m2 = await company.client(company.m2)
    plain = await m2.execute(ADD, i={"kind": "BLOCK", "pattern": f"p-{tag()}.test"})
    assert plain["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Members see and remove only their own entries.
    m1 = await company.client(company.m1)
    mine = await m1.data(ADD_MINE, i={"kind": "ALLOW", "pattern": f"x@m-{tag()}.test"})
    entry = mine["addMySenderListEntry"]
    assert entry["id"] not in {e["id"] for e in (await m2.data(MINE))["mySenderLists"]}
    stolen = (await m2.data(REMOVE_MINE, id=entry["id"]))["removeMySenderListEntry"]
    assert stolen["code"] == "NOT_FOUND"
    assert (await m1.data(REMOVE_MINE, id=entry["id"]))["removeMySenderListEntry"] == {
        "__typename": "Done"
    }
    assert entry["id"] not in {e["id"] for e in (await m1.data(MINE))["mySenderLists"]}
    ours = await m1.data(ADD_MINE, i={"kind": "BLOCK", "pattern": company.m2})
    assert ours["addMySenderListEntry"]["code"] == "INVALID"
