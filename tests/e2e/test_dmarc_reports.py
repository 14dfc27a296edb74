"""DMARC aggregate reports (RFC 7489 7.2) mailed to the address our DMARC record names are
read and shown to that enterprise's administrators as a table per source IP; malformed
reports stay mail and make no row; other enterprises and plain members see nothing."""

from __future__ import annotations

import gzip
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.e2e.delivery_env import in_folder, until
from tests.e2e.mail import mx, unique
from tests.e2e.policy_company import Company, tag

SAMPLE = (Path(__file__).parents[1] / "data" / "dmarc" / "google.xml").read_text()
DNS = "query D($d: String!) { dnsRecords(domain: $d) { type name value } }"
REPORTS = """
query R($d: String) {
  dmarcReports(domain: $d) {
    domain reportingOrg reportId dateBegin dateEnd sourceIp count disposition dkim spf
    headerFrom
  }
}
"""


@pytest.fixture(scope="module")
async def company(server):
    company = await Company.create(server, "dmarc")
    dept = await company.department(f"D {tag()}")
    company.m1 = await company.member("m1", [dept])
    records = (await company.admin.data(DNS, d=company.domain))["dnsRecords"]
    [dmarc] = [r for r in records if r["name"] == f"_dmarc.{company.domain}"]
    company.rua = dmarc["value"].split("rua=mailto:")[1].split(";")[0]
    return company


def report_mail(
    rua: str, domain: str, report_id: str, attachment: bytes, kind: str = "zip"
) -> bytes:
    message = EmailMessage()
    message["From"] = "noreply-dmarc-support@google.com"
    message["To"] = rua
    message["Subject"] = f"Report Domain: {domain} Submitter: google.com Report-ID: {report_id}"
    message.set_content("This is an aggregate report from google.com.")
    name = f"google.com!{domain}!1764979200!1765065599.{'zip' if kind == 'zip' else 'xml.gz'}"
    message.add_attachment(attachment, maintype="application", subtype=kind, filename=name)
    return message.as_bytes()


def packed(xml: bytes, kind: str) -> bytes:
    if kind == "gzip":
        return gzip.compress(xml)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.xml", xml)
    return buffer.getvalue()


def send(server, rua: str, raw: bytes, sender: str = "noreply-dmarc-support@google.com") -> None:
    with mx(server.smtp_port) as smtp:
        assert smtp.sendmail(sender, [rua], raw) == {}


def xml(domain: str, report_id: str) -> bytes:
    text = SAMPLE.replace("{domain}", domain)
    return text.replace("12345678901234567890", report_id).encode()


def zipped(domain: str, report_id: str) -> bytes:
    return packed(xml(domain, report_id), "zip")


async def test_a_report_becomes_rows_per_source_ip_for_the_admins(server, company):
    report_id = unique("r")
    raw = report_mail(company.rua, company.domain, report_id, zipped(company.domain, report_id))
    send(server, company.rua, raw)
    send(server, company.rua, raw)  # the reporter sends it again: no second set of rows

    async def rows():
        found = (await company.admin.data(REPORTS, d=company.domain))["dmarcReports"]
        return [r for r in found if r["reportId"] == report_id]

    found = await until(rows, what="the report's rows")
    assert [(r["sourceIp"], r["count"], r["disposition"], r["dkim"], r["spf"]) for r in found] == [
        ("192.0.2.10", 12, "none", "pass", "pass"),
        ("2001:db8::5", 3, "quarantine", "fail", "fail"),
    ]
    first = found[0]
    assert (first["reportingOrg"], first["headerFrom"], first["domain"]) == (
        "google.com",
        company.domain,
        company.domain,
    )
    assert first["dateBegin"].startswith("2025-12-06T00:00:00")
    assert first["dateEnd"].startswith("2025-12-06T23:59:59")
    # The report is mail in the administrators' Inbox too.
    assert await in_folder(company.admin, f"Report-ID: {report_id}")
    assert len(await rows()) == 2  # the repeat made no rows


async def test_malformed_reports_stay_mail_and_make_no_rows(server, company):
    bad_id = unique("bad")
    cases = {
        "gzip": b'<!DOCTYPE f [<!ENTITY a "aaaaaaaaaa">]><feedback>&a;&a;</feedback>',
        "zip": b"<feedback><report_metadata>",  # not even well-formed
    }
    for kind, data in cases.items():
        raw = report_mail(company.rua, company.domain, f"{bad_id}-{kind}", packed(data, kind), kind)
        send(server, company.rua, raw)
    for kind in cases:
        assert await until(
            lambda k=kind: in_folder(company.admin, f"Report-ID: {bad_id}-{k}"), what=kind
        )
    good_id = unique("after")  # the worker went on past them
    raw = report_mail(
        company.rua, company.domain, good_id, packed(xml(company.domain, good_id), "gzip"), "gzip"
    )
    send(server, company.rua, raw, sender="")  # from the null sender, as some reporters do

    async def ids():
        found = (await company.admin.data(REPORTS, d=None))["dmarcReports"]
        return {r["reportId"] for r in found}

    await until(lambda: _has(ids, good_id), what="the good report")
    assert not any(i.startswith(bad_id) for i in await ids())


async def _has(ids, wanted: str) -> bool:
    return wanted in await ids()


async def test_only_that_enterprises_admins_see_the_rows(server, company):
    other = await Company.create(server, "dmarc-other")
    report_id = unique("theirs")
    rua = f"dmarc@{other.domain}"
    send(server, rua, report_mail(rua, other.domain, report_id, zipped(other.domain, report_id)))

    async def theirs():
        found = (await other.admin.data(REPORTS, d=None))["dmarcReports"]
        return [r for r in found if r["reportId"] == report_id]

    assert await until(theirs, what="the other enterprise's report")
    mine = (await company.admin.data(REPORTS, d=other.domain))["dmarcReports"]
    assert mine == []  # asking for another enterprise's domain shows nothing
    everything = (await company.admin.data(REPORTS, d=None))["dmarcReports"]
    assert report_id not in {r["reportId"] for r in everything}
    member = await company.client(company.m1)
    refused = await member.execute(REPORTS, d=None)
    assert refused.get("data") is None and refused["errors"], refused


async def test_a_report_about_another_enterprises_domain_is_not_kept(server, company):
    """A report mailed to our dmarc@ but about a domain of another enterprise makes no rows
    for either (anyone can mail a report: it only counts where it belongs)."""
    other = await Company.create(server, "dmarc-victim")
    report_id, later = unique("forged"), unique("later")
    rua = company.rua
    send(server, rua, report_mail(rua, other.domain, report_id, zipped(other.domain, report_id)))
    send(server, rua, report_mail(rua, company.domain, later, zipped(company.domain, later)))

    async def ids():
        found = (await company.admin.data(REPORTS, d=None))["dmarcReports"]
        return {r["reportId"] for r in found}

    await until(lambda: _has(ids, later), what="the report sent after it")  # jobs in order
    assert await in_folder(company.admin, f"Report-ID: {report_id}")  # kept as mail
    for admin in (company.admin, other.admin):
        found = (await admin.data(REPORTS, d=None))["dmarcReports"]
        assert report_id not in {r["reportId"] for r in found}
