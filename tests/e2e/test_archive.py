"""The enterprise archive (A1): capture of inbound (MX), internal and outbound mail, immune
to users' deletes; auditors search, view, export and redeliver within their scope; retention;
who may configure it; every auditor action in the operation log."""

from __future__ import annotations

import asyncio
import email
import io
import mailbox
import zipfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import httpx
import pytest

from tests.e2e.client import login
from tests.e2e.mail import mx, submission, unique
from tests.e2e.policy_company import Company, tag, wait_for
from tests.e2e.server import PASSWORD

SETTINGS = """
mutation S($enabled: Boolean!, $days: Int) {
  setArchiveSettings(enabled: $enabled, retentionDays: $days) {
    __typename
    ... on ArchiveSettings { enabled retentionDays }
    ... on PolicyError { code field message }
  }
}
"""
GRANT_AUDITOR = """
mutation G($email: String!, $deps: [ID!]!, $from: DateTime, $to: DateTime) {
  grantAuditor(email: $email, departmentIds: $deps, dateFrom: $from, dateTo: $to) {
    __typename
    ... on Auditor { email departmentIds }
    ... on PolicyError { code field message }
  }
}
"""
SEARCH = """
query S($w: ArchiveSearchInput, $first: Int!, $after: String) {
  archiveSearch(where: $w, first: $first, after: $after) {
    hasNext endCursor total
    items {
      id direction envelopeFrom from { address } recipients subject attachmentNames snippet
    }
  }
}
"""
VIEW = """
query V($id: ID!) {
  archivedMail(id: $id) {
    message { subject direction } text html
    attachments { index filename contentType size url }
  }
}
"""
REDELIVER = """
mutation R($id: ID!, $to: String!) {
  redeliverArchivedMail(id: $id, to: $to) {
    __typename ... on RedeliverSuccess { entryId } ... on PolicyError { code field message }
  }
}
"""
SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) { __typename ... on MailError { code message } }
}
"""
DELETE = "mutation D($ids: [ID!]!) { delete(ids: $ids) { __typename } }"


@pytest.fixture(scope="module")
async def company(server):
    """Departments D (with sub-department D2) and E; a1 in D, a2 in D2, e1 in E; auditors:
    aud (D), aude (E), audold (D, a range in the past); lead: a scoped admin of D with the
    archive permission; plain: a member. The archive is enabled."""
    c = await Company.create(server, "arch")
    d = await c.department(f"D {tag()}")
    d2 = await c.department(f"D2 {tag()}", parent=d)
    e = await c.department(f"E {tag()}")
    people = {
        "a1": await c.member("a1", [d]),
        "a2": await c.member("a2", [d2]),
        "e1": await c.member("e1", [e]),
        "aud": await c.member("aud", [e]),
        "aude": await c.member("aude", [e]),
        "audold": await c.member("audold", [e]),
        "lead": await c.member("lead", [d]),
        "plain": await c.member("plain", [d]),
        "D": d,
        "D2": d2,
        "E": e,
    }
    enabled = (await c.admin.data(SETTINGS, enabled=True, days=365))["setArchiveSettings"]
    assert enabled == {"__typename": "ArchiveSettings", "enabled": True, "retentionDays": 365}
    for who, deps, start, end in [
        ("aud", [d], None, None),
        ("aude", [e], None, None),
        ("audold", [d], "2020-01-01T00:00:00+00:00", "2020-12-31T00:00:00+00:00"),
    ]:
        granted = await c.admin.data(
            GRANT_AUDITOR, email=people[who], deps=deps, **{"from": start, "to": end}
        )
        assert granted["grantAuditor"]["__typename"] == "Auditor", granted
    await c.grant(people["lead"], ["archive"], [d])
    c.people = people
    return c


def _mail(sender: str, to: str, subject: str, body: str, attachment: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(body)
    if attachment:
        msg.add_attachment(
            b"%PDF-1.4 test", maintype="application", subtype="pdf", filename=attachment
        )
    return msg.as_bytes()


async def search(client, **where) -> list[dict]:
    page = (await client.data(SEARCH, w=where, first=50))["archiveSearch"]
    return page["items"]


@pytest.fixture(scope="module")
async def traffic(server, company):
    """Inbound over MX (with an attachment), internal over submission (Bcc to e1), outbound
    through GraphQL; then a1 deletes their inbound copy for good."""
    p = company.people
    subject = unique("archive")
    word = f"kw{tag()}"
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "partner@remote.test",
            [p["a1"]],
            _mail("partner@remote.test", p["a1"], f"{subject} in", f"body {word}", "合同.pdf"),
        )
    smtp = await submission(server, p["a1"])
    await smtp.sendmail(
        p["a1"], [p["a2"], p["e1"]], _mail(p["a1"], p["a2"], f"{subject} int", "hi")
    )
    await smtp.quit()
    a2 = await company.client(p["a2"])
    sent = await a2.data(
        SEND, i={"to": ["buyer@far-away.test"], "subject": f"{subject} out", "text": "offer"}
    )
    assert sent["sendMail"]["__typename"] == "SendMailSuccess", sent
    a1 = await company.client(p["a1"])
    copy = await wait_for(a1, f"{subject} in")
    assert copy is not None
    await a1.data(DELETE, ids=[copy["id"]])  # to Trash
    await a1.data(DELETE, ids=[copy["id"]])  # and for good
    assert await wait_for(a1, f"{subject} in", folder="TRASH", wait=0) is None
    await indexed(await company.client(p["aud"]), subject, 3)
    return {"subject": subject, "word": word}


async def indexed(auditor, subject: str, count: int, wait: float = 30.0) -> list[dict]:
    """The archive is searched through the search index, which the indexer fills moments
    after the commit: wait until ``count`` records with this subject are found."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        found = await search(auditor, subject=subject)
        if len(found) >= count or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.2)


async def test_archive_keeps_inbound_internal_and_outbound_mail_after_the_users_delete_it(
    server, company, traffic
):
    auditor = await company.client(company.people["aud"])
    found = {i["subject"]: i for i in await search(auditor, subject=traffic["subject"])}
    p = company.people
    s = traffic["subject"]
    assert set(found) == {f"{s} in", f"{s} int", f"{s} out"}
    assert found[f"{s} in"]["direction"] == "inbound"
    assert found[f"{s} in"]["envelopeFrom"] == "partner@remote.test"
    assert found[f"{s} in"]["attachmentNames"] == ["合同.pdf"]
    assert found[f"{s} int"]["direction"] == "internal"
    assert sorted(found[f"{s} int"]["recipients"]) == sorted([p["a2"], p["e1"]])  # Bcc kept
    assert found[f"{s} out"]["direction"] == "outbound"
    assert found[f"{s} out"]["recipients"] == ["buyer@far-away.test"]

    by_body = await search(auditor, body=traffic["word"])
    assert [i["subject"] for i in by_body] == [f"{s} in"]
    by_attachment = await search(auditor, attachment="合同", subject=s)
    assert [i["subject"] for i in by_attachment] == [f"{s} in"]
    by_recipient = await search(auditor, recipient=p["e1"], subject=s)
    assert [i["subject"] for i in by_recipient] == [f"{s} int"]
    by_sender = await search(auditor, sender="partner@remote", subject=s)
    assert [i["subject"] for i in by_sender] == [f"{s} in"]
    newest_first = await search(auditor, text=s)
    assert [i["subject"] for i in newest_first] == [f"{s} out", f"{s} int", f"{s} in"]
    page = (await auditor.data(SEARCH, w={"text": s}, first=2))["archiveSearch"]
    assert page["hasNext"] and len(page["items"]) == 2
    rest = await auditor.data(SEARCH, w={"text": s}, first=2, after=page["endCursor"])
    assert [i["subject"] for i in rest["archiveSearch"]["items"]] == [f"{s} in"]

    # The deleted inbound copy is still there in full.
    mail = (await auditor.data(VIEW, id=found[f"{s} in"]["id"]))["archivedMail"]
    assert traffic["word"] in mail["text"]
    [attachment] = mail["attachments"]
    assert attachment["filename"] == "合同.pdf"
    async with httpx.AsyncClient(base_url=server.url, headers=auditor.headers()) as http:
        got = await http.get(attachment["url"])
    assert got.status_code == 200 and got.content == b"%PDF-1.4 test"


async def test_archive_search_goes_through_the_search_index(server, company, traffic):
    auditor = await company.client(company.people["aud"])
    s, word = traffic["subject"], traffic["word"]
    [hit] = await search(auditor, text=word)
    assert hit["subject"] == f"{s} in" and f"<mark>{word}</mark>" in hit["snippet"]
    assert [i["subject"] for i in await search(auditor, attachment="合", subject=s)] == [
        f"{s} in"
    ]  # one Chinese character of 合同.pdf
    assert await search(auditor, attachment="同合", subject=s) == []  # in that order only
    page = (await auditor.data(SEARCH, w={"subject": s}, first=1))["archiveSearch"]
    assert page["total"] == 3 and page["hasNext"]
    for nasty in ['"', "((", "😀", "\t\n", "x" * 5000, "AND OR"]:
        found = await search(auditor, text=nasty, subject=s)  # results or none, no error
        assert {i["subject"] for i in found} <= {f"{s} in", f"{s} int", f"{s} out"}

    rebuilt = server.cli("search", "reindex", "--space", "archive").stdout
    assert "documents indexed" in rebuilt
    assert len(await indexed(auditor, s, 3)) == 3


async def test_auditors_see_only_their_departments_and_dates(server, company, traffic):
    p, s = company.people, traffic["subject"]
    in_e = await company.client(p["aude"])  # E: only e1, a Bcc recipient of the internal mail
    assert [i["subject"] for i in await search(in_e, subject=s)] == [f"{s} int"]
    in_d = await company.client(p["aud"])
    [inbound] = [i for i in await search(in_d, subject=s) if i["subject"] == f"{s} in"]
    refused = await in_e.execute(VIEW, id=inbound["id"])
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    old = await company.client(p["audold"])
    assert await search(old, subject=s) == []
    plain = await company.client(p["plain"])
    body = await plain.execute(SEARCH, w={"subject": s}, first=5)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with httpx.AsyncClient(base_url=server.url, headers=plain.headers()) as http:
        got = await http.get("/archive/export", params={"ids": inbound["id"]})
    assert got.status_code == 403


async def test_export_as_mbox_and_zip(server, company, traffic):
    auditor = await company.client(company.people["aud"])
    items = await search(auditor, subject=traffic["subject"])
    ids = ",".join(i["id"] for i in items)
    async with httpx.AsyncClient(base_url=server.url, headers=auditor.headers()) as http:
        as_mbox = await http.get("/archive/export", params={"ids": ids, "format": "mbox"})
        as_zip = await http.get("/archive/export", params={"ids": ids, "format": "zip"})
        other = await http.get("/archive/export", params={"ids": "999999999", "format": "zip"})
    assert as_mbox.status_code == 200 and as_zip.status_code == 200
    assert other.status_code == 404
    path = server.data_dir / f"export-{tag()}.mbox"
    path.write_bytes(as_mbox.content)
    subjects = sorted(str(m["Subject"]) for m in mailbox.mbox(path))
    assert subjects == sorted(i["subject"] for i in items)
    with zipfile.ZipFile(io.BytesIO(as_zip.content)) as archive:
        names = archive.namelist()
        parsed = [email.message_from_bytes(archive.read(n)) for n in names]
    assert sorted(names) == sorted(f"{i['id']}.eml" for i in items)
    assert sorted(str(m["Subject"]) for m in parsed) == subjects
    logged = server.sql(
        "SELECT count(*) FROM operation_log WHERE action = 'archive.export' "
        f"AND actor = '{company.people['aud']}'"
    )
    assert int(logged) == 2


async def test_redeliver_into_a_mailbox_of_the_scope(server, company, traffic):
    p, s = company.people, traffic["subject"]
    auditor = await company.client(p["aud"])
    [inbound] = [i for i in await search(auditor, subject=s) if i["subject"] == f"{s} in"]
    done = (await auditor.data(REDELIVER, id=inbound["id"], to=p["a1"]))["redeliverArchivedMail"]
    assert done["__typename"] == "RedeliverSuccess", done
    a1 = await company.client(p["a1"])
    assert await wait_for(a1, f"{s} in") is not None
    outside = await auditor.data(REDELIVER, id=inbound["id"], to=p["e1"])
    assert outside["redeliverArchivedMail"]["code"] == "FORBIDDEN"
    # The redelivered copy is not archived again.
    assert len(await search(auditor, subject=s)) == 3
    logged = server.sql(
        "SELECT count(*) FROM operation_log WHERE action = 'archive.redeliver' "
        f"AND target = '{p['a1']}'"
    )
    assert int(logged) == 1


async def test_retention_purge_removes_only_expired_records(server, company, traffic):
    auditor = await company.client(company.people["aud"])
    items = await search(auditor, subject=traffic["subject"])
    oldest = items[-1]["id"]
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    server.mailcore(
        """
        from datetime import datetime
        await ArchiveRecord.filter(id=args["id"]).update(
            archived_at=datetime.fromisoformat(args["when"])
        )
        return 1
        """,
        id=int(oldest),
        when=old,
    )
    out = server.cli("archive", "purge").stdout
    assert "purged" in out
    left = await search(auditor, subject=traffic["subject"])
    assert [i["id"] for i in left] == [i["id"] for i in items[:-1]]
    # ... and the search index lets go of it too (its total counts what the index holds)
    for _ in range(150):
        page = await auditor.data(SEARCH, w={"subject": traffic["subject"]}, first=5)
        if page["archiveSearch"]["total"] == len(items) - 1:
            break
        await asyncio.sleep(0.2)
    assert page["archiveSearch"]["total"] == len(items) - 1


async def test_who_may_configure_the_archive(server, company):
    p = company.people
    plain = await company.client(p["plain"])
    refused = await plain.execute(SETTINGS, enabled=False, days=1)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    lead = await company.client(p["lead"])  # archive permission, department D only
    mine = (await lead.data(GRANT_AUDITOR, email=p["a1"], deps=[p["D2"]]))["grantAuditor"]
    assert mine["__typename"] == "Auditor"
    theirs = (await lead.data(GRANT_AUDITOR, email=p["a1"], deps=[p["E"]]))["grantAuditor"]
    assert theirs["code"] == "FORBIDDEN"
    outside = (await lead.data(GRANT_AUDITOR, email=p["e1"], deps=[p["D"]]))["grantAuditor"]
    assert outside["code"] == "FORBIDDEN"
    bad_days = (await company.admin.data(SETTINGS, enabled=True, days=0))["setArchiveSettings"]
    assert bad_days["code"] == "INVALID" and bad_days["field"] == "retentionDays"
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    foreign = (await oscar.data(GRANT_AUDITOR, email=p["a1"], deps=[p["D"]]))["grantAuditor"]
    assert foreign["code"] == "NOT_FOUND"
    logged = server.sql(
        "SELECT count(*) FROM operation_log WHERE action = 'auditor.grant' "
        f"AND target = '{p['a1']}'"
    )
    assert int(logged) == 1
