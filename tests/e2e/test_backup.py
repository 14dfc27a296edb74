"""Backup rules (A2): matching mail is copied to the backup account by member or department,
direction and keyword, tagged with whose mail it was; who may manage the rules."""

from __future__ import annotations

import pytest

from tests.e2e.client import login
from tests.e2e.mail import mx, simple_mail, submission, unique
from tests.e2e.policy_company import Company, tag, wait_for
from tests.e2e.server import PASSWORD

CREATE = """
mutation C($i: BackupRuleInput!) {
  createBackupRule(input: $i) {
    __typename
    ... on BackupRule { id name members departmentIds direction keywords target folder }
    ... on PolicyError { code field message }
  }
}
"""
DELETE = """
mutation D($id: ID!) { deleteBackupRule(id: $id) { __typename ... on PolicyError { code } } }
"""
LIST = "{ backupRules { id name target } }"
ORIGINS = "query O($ids: [ID!]!) { backupOrigins(ids: $ids) { messageId owners direction } }"


@pytest.fixture(scope="module")
async def company(server):
    """S (s1, s2) and T (t1); backup accounts bk and bk2; lead: scoped admin of S with the
    policies permission; rules: s1's incoming mail → bk; S's outgoing mail with "invoice"
    → bk2's Archive folder."""
    c = await Company.create(server, "backup")
    s = await c.department(f"S {tag()}")
    t = await c.department(f"T {tag()}")
    p = {
        "s1": await c.member("s1", [s]),
        "s2": await c.member("s2", [s]),
        "t1": await c.member("t1", [t]),
        "bk": await c.member("bk", [s]),
        "bk2": await c.member("bk2", [s]),
        "lead": await c.member("lead", [s]),
        "S": s,
        "T": t,
    }
    incoming = (
        await c.admin.data(
            CREATE, i={"name": "s1 in", "members": [p["s1"]], "direction": "IN", "target": p["bk"]}
        )
    )["createBackupRule"]
    assert incoming["__typename"] == "BackupRule", incoming
    outgoing = (
        await c.admin.data(
            CREATE,
            i={
                "name": "S invoices",
                "departmentIds": [s],
                "direction": "OUT",
                "keywords": ["Invoice"],
                "target": p["bk2"],
                "folder": "ARCHIVE",
            },
        )
    )["createBackupRule"]
    assert outgoing["folder"] == "ARCHIVE" and outgoing["keywords"] == ["Invoice"]
    await c.grant(p["lead"], ["policies"], [s])
    c.people = p
    return c


async def test_incoming_mail_of_a_member_is_copied_to_the_backup_account(server, company):
    p = company.people
    subject = unique("backup in")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("x@remote.test", [p["s1"]], simple_mail("x@remote.test", p["s1"], subject))
    bk = await company.client(p["bk"])
    copy = await wait_for(bk, subject)
    assert copy is not None and copy["from"]["address"] == "x@remote.test"
    [origin] = (await bk.data(ORIGINS, ids=[copy["id"]]))["backupOrigins"]
    assert origin == {"messageId": copy["id"], "owners": [p["s1"]], "direction": "in"}
    # s1's outgoing mail is not in an IN rule; s2's incoming mail is not either.
    other = unique("backup out")
    smtp = await submission(server, p["s1"])
    await smtp.sendmail(p["s1"], [p["t1"]], simple_mail(p["s1"], p["t1"], other))
    await smtp.quit()
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("x@remote.test", [p["s2"]], simple_mail("x@remote.test", p["s2"], other))
    t1 = await company.client(p["t1"])
    assert await wait_for(t1, other) is not None
    assert await wait_for(bk, other, wait=1) is None
    # Someone else asking for the copy's origin learns nothing.
    s1 = await company.client(p["s1"])
    assert (await s1.data(ORIGINS, ids=[copy["id"]]))["backupOrigins"] == []


async def test_outgoing_mail_with_a_keyword_goes_to_the_chosen_folder(server, company):
    p = company.people
    match, miss = unique("INVOICE no."), unique("lunch")
    s2 = await company.client(p["s2"])
    for subject in (match, miss):
        sent = await s2.data(
            "mutation S($i: ComposeInput!) { sendMail(input: $i) { __typename } }",
            i={"to": [p["t1"], "client@far.test"], "subject": subject, "text": "see attached"},
        )
        assert sent["sendMail"]["__typename"] == "SendMailSuccess"
    bk2 = await company.client(p["bk2"])
    copy = await wait_for(bk2, match, folder="ARCHIVE")
    assert copy is not None
    [origin] = (await bk2.data(ORIGINS, ids=[copy["id"]]))["backupOrigins"]
    assert origin["owners"] == [p["s2"]] and origin["direction"] == "out"
    assert await wait_for(bk2, miss, folder="ARCHIVE", wait=1) is None
    assert await wait_for(bk2, match, folder="INBOX", wait=0) is None


async def test_who_may_manage_backup_rules(server, company):
    p = company.people
    rule = {"name": "x", "members": [p["s2"]], "target": p["bk"]}
    plain = await company.client(p["s1"])
    refused = await plain.execute(CREATE, i=rule)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    foreign = (await oscar.data(CREATE, i=rule))["createBackupRule"]
    assert foreign["code"] == "NOT_FOUND"
    assert all(r["target"] != p["bk"] for r in (await oscar.data(LIST))["backupRules"])
    lead = await company.client(p["lead"])
    mine = (await lead.data(CREATE, i=rule))["createBackupRule"]
    assert mine["__typename"] == "BackupRule"
    outside = (await lead.data(CREATE, i={**rule, "target": p["t1"]}))["createBackupRule"]
    assert outside["code"] == "FORBIDDEN"
    by_department = await lead.data(CREATE, i={**rule, "members": [], "departmentIds": [p["T"]]})
    assert by_department["createBackupRule"]["code"] == "FORBIDDEN"
    bad = await lead.data(CREATE, i={**rule, "target": "nobody@nowhere.test"})
    assert bad["createBackupRule"]["code"] == "NOT_FOUND"
    names = {r["name"] for r in (await lead.data(LIST))["backupRules"]}
    assert names == {"s1 in", "S invoices", "x"}
    deleted = (await lead.data(DELETE, id=mine["id"]))["deleteBackupRule"]
    assert deleted["__typename"] == "Done"
    logged = server.sql(
        f"SELECT count(*) FROM operation_log WHERE action LIKE 'backup.%' AND actor = '{p['lead']}'"
    )
    assert int(logged) == 2
