"""Who brought a mail decides what the policies do with it (``IngestSource``): delivery reports
and our own mail are sorted by filters but never answered or forwarded; notices are never
held for approval; a released mail is not held or archived again; an auditor's restore is not
archived or backed up a second time; approval notices stay out of the archive."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import pytest

from tests.e2e.mail import mx, simple_mail, submission, unique
from tests.e2e.policy_company import Company, tag, wait_for

ARCHIVE_ON = """
mutation { setArchiveSettings(enabled: true, retentionDays: 365) {
  __typename ... on ArchiveSettings { enabled } } }
"""
GRANT_AUDITOR = """
mutation G($email: String!, $deps: [ID!]!) {
  grantAuditor(email: $email, departmentIds: $deps) { __typename }
}
"""
REDELIVER = """
mutation R($id: ID!, $to: String!) {
  redeliverArchivedMail(id: $id, to: $to) {
    __typename ... on RedeliverSuccess { entryId } ... on PolicyError { code field message }
  }
}
"""
APPROVAL_RULE = """
mutation C($i: ApprovalRuleInput!) {
  createApprovalRule(input: $i) { __typename ... on PolicyError { code field message } }
}
"""
BACKUP_RULE = """
mutation C($i: BackupRuleInput!) {
  createBackupRule(input: $i) { __typename ... on PolicyError { code field message } }
}
"""
QUEUE = "{ approvalQueue { id subject } }"
DECIDE = """
mutation D($id: ID!) {
  decideApproval(id: $id, approve: true, reason: "") {
    __typename ... on HeldMail { status } ... on PolicyError { code message }
  }
}
"""
POST = """
mutation P($i: NoticeInput!) {
  postNotice(input: $i) { __typename ... on NoticeError { code field message } }
}
"""
AUTO = """
mutation A($text: String!) {
  setAutoReply(enabled: true, text: $text, intervalDays: 3) {
    __typename ... on AutoReply { active }
  }
}
"""
FORWARD = """
mutation F($to: [String!]) {
  setForwarding(enabled: true, addresses: $to, keepCopy: false) { __typename }
}
"""
FILTER = """
mutation C($i: MailFilterInput!) { createMailFilter(input: $i) { __typename } }
"""
STATE = "query S($id: ID!) { message(id: $id) { flagged } }"
SEND = "mutation S($i: ComposeInput!) { sendMail(input: $i) { __typename } }"


@pytest.fixture(scope="module")
async def co(server):
    """An enterprise with the archive on; ``away`` (auto-reply) alone in department N;
    ``fwd`` forwards to ``target`` without a copy and flags "Undelivered" mail; mail of
    ``boss`` and ``p1`` waits for ``ap``; ``p1``'s sent and ``r1``'s received mail is
    backed up to ``bk``; ``aud`` audits department M."""
    c = await Company.create(server, "sources")
    n = await c.department(f"N {tag()}")
    m = await c.department(f"M {tag()}")
    p = {
        "away": await c.member("away", [n]),
        "fwd": await c.member("fwd", [m]),
        "target": await c.member("target", [m]),
        "colleague": await c.member("colleague", [m]),
        "p1": await c.member("p1", [m]),
        "r1": await c.member("r1", [m]),
        "ap": await c.member("ap", [m]),
        "bk": await c.member("bk", [m]),
        "aud": await c.member("aud", [m]),
        "boss": f"boss@{c.domain}",
        "N": n,
    }
    on = (await c.admin.data(ARCHIVE_ON))["setArchiveSettings"]
    assert on == {"__typename": "ArchiveSettings", "enabled": True}
    granted = await c.admin.data(GRANT_AUDITOR, email=p["aud"], deps=[m])
    assert granted["grantAuditor"]["__typename"] == "Auditor", granted
    rule = {
        "name": "hold boss and p1",
        "members": [p["boss"], p["p1"]],
        "recipientScope": "ANY",
        "approvers": [p["ap"]],
        "timeoutSeconds": 86400,
        "timeoutAction": "REJECT",
    }
    held = (await c.admin.data(APPROVAL_RULE, i=rule))["createApprovalRule"]
    assert held["__typename"] == "ApprovalRule", held
    for name, who, direction in (("p1 out", "p1", "OUT"), ("r1 in", "r1", "IN")):
        backup = {"name": name, "members": [p[who]], "direction": direction, "target": p["bk"]}
        made = (await c.admin.data(BACKUP_RULE, i=backup))["createBackupRule"]
        assert made["__typename"] == "BackupRule", made
    away = await c.client(p["away"])
    reply = await away.data(AUTO, text="Away this week.")
    assert reply["setAutoReply"]["active"] is True
    fwd = await c.client(p["fwd"])
    forwarding = await fwd.data(FORWARD, to=[p["target"]])
    assert forwarding["setForwarding"]["__typename"] == "Forwarding"
    flag = {
        "name": "reports",
        "conditions": [{"field": "SUBJECT", "op": "CONTAINS", "value": "Undelivered"}],
        "actions": {"flag": True},
    }
    assert (await fwd.data(FILTER, i=flag))["createMailFilter"]["__typename"] == "MailFilter"
    c.people = p
    return c


def delivery_report(sender: str, to: str, subject: str) -> bytes:
    """An RFC 3464 report as a remote MTA sends one (no Auto-Submitted header)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"Mail Delivery System <{sender}>", to, subject
    msg.set_content("Your message could not be delivered.")
    status = EmailMessage()
    status.set_content("Reporting-MTA: dns; mx.remote.test\n\nAction: failed\nStatus: 5.1.1\n")
    msg.make_mixed()
    msg.attach(status)
    msg.set_type("multipart/report")
    msg.set_param("report-type", "delivery-status")
    return msg.as_bytes()


async def until(condition, wait: float = 20.0) -> bool:
    """Poll ``condition`` (a function returning a bool) until it holds or ``wait`` passes."""
    deadline = asyncio.get_running_loop().time() + wait
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


def count(server, query: str) -> int:
    return int(server.sql(query))


def entries(server, member: str, subject: str) -> int:
    return count(
        server,
        "SELECT count(*) FROM mailbox_entry e JOIN message m ON m.id = e.message_id "
        f"JOIN member u ON u.id = e.member_id WHERE u.email = '{member}' "
        f"AND m.subject = '{subject}'",
    )


def archived(server, subject: str) -> int:
    return count(server, f"SELECT count(*) FROM archive_record WHERE subject = '{subject}'")


async def test_an_inbound_delivery_report_is_sorted_but_never_answered(server, co):
    p = co.people
    reporter = f"notify-{tag()}@remote.test"  # not a machine name: only the report type tells
    report = unique("Undelivered Mail Returned to Sender")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(reporter, [p["away"]], delivery_report(reporter, p["away"], report))
    # The rule sender answers in order: once a later mail's reply is queued, the report's
    # would have been too.
    person = f"client-{tag()}@remote.test"
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(person, [p["away"]], simple_mail(person, p["away"], unique("question")))
    replied = f"SELECT count(*) FROM outbound_message WHERE recipient = '{person}'"
    assert await until(lambda: count(server, replied) == 1)
    assert (
        count(server, f"SELECT count(*) FROM outbound_message WHERE recipient = '{reporter}'") == 0
    )

    # A null sender is a delivery report too: filters sort it, forwarding leaves it here.
    bounce = unique("Undelivered Mail")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("", [p["fwd"]], simple_mail("MAILER-DAEMON@remote.test", p["fwd"], bounce))
    fwd = await co.client(p["fwd"])
    kept = await wait_for(fwd, bounce)
    assert kept is not None
    assert (await fwd.data(STATE, id=kept["id"]))["message"]["flagged"] is True
    later = unique("forward me")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(person, [p["fwd"]], simple_mail(person, p["fwd"], later))
    target = await co.client(p["target"])
    assert await wait_for(target, later, wait=20) is not None
    assert entries(server, p["target"], bounce) == 0
    # Reports from outside are archived as before.
    assert archived(server, report) == 1 and archived(server, bounce) == 1


async def test_a_notice_by_mail_is_neither_held_nor_answered_but_archived(server, co):
    p = co.people
    title = unique("notice")
    boss = co.admin
    posted = (
        await boss.data(
            POST, i={"title": title, "body": "hi", "departmentIds": [p["N"]], "byMail": True}
        )
    )["postNotice"]
    assert posted["__typename"] == "PostedNotice", posted
    away = await co.client(p["away"])
    assert await wait_for(away, title) is not None  # boss's mail waits for ap: this does not
    # An ordinary mail to ``away`` after it is answered; the notice before it was not.
    question = unique("question")
    colleague = await co.client(p["colleague"])
    sent = await colleague.data(SEND, i={"to": [p["away"]], "subject": question, "text": "?"})
    assert sent["sendMail"]["__typename"] == "SendMailSuccess", sent
    assert await wait_for(colleague, f"Auto: {question}", wait=20) is not None
    assert await wait_for(boss, f"Auto: {title}", wait=0) is None
    assert count(server, f"SELECT count(*) FROM held_mail WHERE subject = '{title}'") == 0
    assert archived(server, title) == 1  # written by a member: archived as before


async def test_a_released_mail_is_not_held_or_archived_again(server, co):
    p = co.people
    subject = unique("release")
    smtp = await submission(server, p["p1"])
    await smtp.sendmail(p["p1"], [p["r1"]], simple_mail(p["p1"], p["r1"], subject))
    await smtp.quit()
    ap = await co.client(p["ap"])
    assert await wait_for(ap, f"Approval needed: {subject}") is not None
    [held] = [h for h in (await ap.data(QUEUE))["approvalQueue"] if h["subject"] == subject]
    assert entries(server, p["bk"], subject) == 0  # held: not copied yet
    decided = (await ap.data(DECIDE, id=held["id"]))["decideApproval"]
    assert decided == {"__typename": "HeldMail", "status": "APPROVED"}
    r1 = await co.client(p["r1"])
    assert await wait_for(r1, subject, wait=20) is not None
    assert count(server, f"SELECT count(*) FROM held_mail WHERE subject = '{subject}'") == 1
    assert archived(server, subject) == 1  # recorded when submitted, not again
    assert entries(server, p["bk"], subject) == 1  # copied on release (one copy per folder)
    # The approval notice (our own, with one-time links) is not archived.
    notices = "SELECT count(*) FROM archive_record WHERE subject LIKE 'Approval needed: %'"
    assert count(server, notices + f" AND subject LIKE '%{subject}'") == 0


async def test_a_restored_mail_is_not_archived_or_backed_up_again(server, co):
    p = co.people
    subject = unique("restore")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("x@remote.test", [p["r1"]], simple_mail("x@remote.test", p["r1"], subject))
    bk = await co.client(p["bk"])
    assert await wait_for(bk, subject) is not None
    assert archived(server, subject) == 1
    record = server.sql(f"SELECT id FROM archive_record WHERE subject = '{subject}'")
    auditor = await co.client(p["aud"])
    done = (await auditor.data(REDELIVER, id=record, to=p["r1"]))["redeliverArchivedMail"]
    assert done["__typename"] == "RedeliverSuccess", done
    assert entries(server, p["r1"], subject) == 2  # committed with the redelivery
    assert archived(server, subject) == 1
    assert entries(server, p["bk"], subject) == 1
