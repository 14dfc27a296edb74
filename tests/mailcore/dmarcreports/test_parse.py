"""Reading DMARC aggregate reports: zip, gzip and plain XML attachments, with and without
the 2.0 namespace; entities, bombs and malformed reports are refused with a reason."""

from __future__ import annotations

import gzip
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailcore.dmarcreports.parse import MAX_XML, ReportError, parse_report, report_from_mail

SAMPLE = (Path(__file__).parents[2] / "data" / "dmarc" / "google.xml").read_text()


def xml(domain: str = "example.com") -> bytes:
    return SAMPLE.replace("{domain}", domain).encode()


def zipped(data: bytes, name: str = "report.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def mail(payload: bytes, subtype: str, filename: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = "noreply-dmarc-support@google.com", "dmarc@example.com"
    message["Subject"] = "Report Domain: example.com Submitter: google.com Report-ID: 1"
    message.set_content("This is an aggregate report.")
    message.add_attachment(payload, maintype="application", subtype=subtype, filename=filename)
    return message.as_bytes()


@pytest.mark.parametrize(
    ("payload", "subtype", "filename"),
    [
        (zipped(xml()), "zip", "google.com!example.com!1!2.zip"),
        (gzip.compress(xml()), "gzip", "report.xml.gz"),
        (xml(), "xml", "report.xml"),
    ],
)
def test_reports_are_read_from_each_packing(payload, subtype, filename):
    report = report_from_mail(mail(payload, subtype, filename))
    assert (report.org_name, report.report_id, report.domain) == (
        "google.com",
        "12345678901234567890",
        "example.com",
    )
    assert report.date_begin.isoformat() == "2025-12-06T00:00:00+00:00"
    assert [(r.source_ip, r.count, r.disposition, r.dkim, r.spf) for r in report.rows] == [
        ("192.0.2.10", 12, "none", "pass", "pass"),
        ("2001:db8::5", 3, "quarantine", "fail", "fail"),
    ]
    assert report.rows[0].header_from == "example.com"


def test_the_dmarc_2_namespace_is_read_too():
    namespace = b'<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">'
    namespaced = xml().replace(b"<feedback>", namespace)
    assert len(parse_report(namespaced).rows) == 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<feedback><report_metadata>", "not well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><feedback>&a;</feedback>',
            "without a DTD",
        ),
        (
            b'<!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]><feedback>&x;</feedback>',
            "without a DTD",
        ),
        (b"<html/>", "not <feedback>"),
        (xml().replace(b"192.0.2.10", b"not-an-ip"), "not an IP address"),
        (xml().replace(b"<count>12", b"<count>-12"), "not a count"),
        (xml().replace(b"<disposition>none", b"<disposition>bounce"), "not a disposition"),
        (xml().replace(b"<report_id>12345678901234567890</report_id>", b""), "no <report_id>"),
    ],
)
def test_bad_reports_say_why(data, reason):
    with pytest.raises(ReportError, match=reason):
        parse_report(data)


def test_zip_and_gzip_bombs_stop_at_the_limit():
    bomb = b"<feedback>" + b" " * (MAX_XML + 10) + b"</feedback>"
    for payload, subtype in ((zipped(bomb), "zip"), (gzip.compress(bomb), "gzip")):
        assert len(payload) < 1 << 20  # small on the wire
        with pytest.raises(ReportError, match="unpacks to more than"):
            report_from_mail(mail(payload, subtype, f"bomb.{subtype}"))


def test_a_mail_without_a_report_says_so():
    with pytest.raises(ReportError, match="no report attached"):
        report_from_mail(b"Subject: hi\r\n\r\nhello\r\n")
    with pytest.raises(ReportError, match="not a readable zip"):
        report_from_mail(mail(b"PK\x03\x04garbage", "zip", "r.zip"))


def test_a_flood_of_tiny_elements_is_refused_before_any_tree_is_built():
    """Review finding: a 19 KB gzip of 20 MB of ``<r/>`` took 12 s and 510 MB to parse."""
    flood = b"<feedback>" + b"<r/>" * 1_000_000 + b"</feedback>"
    with pytest.raises(ReportError, match="elements"):
        parse_report(flood)
