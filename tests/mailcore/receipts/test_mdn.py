"""The wire format of read receipts (mailcore/receipts/mdn.py): the request header, a
receipt built and read back with the standard library, receipts as other mail programs
write them, and what is not a receipt."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email import message_from_bytes

from mailcore.receipts import mdn

ORIGINAL = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.org\r\n"
    b"Subject: plan\r\n"
    b"Message-ID: <plan-1@example.com>\r\n"
    b"Original-Recipient: rfc822;bob@example.org\r\n"
    b"Disposition-Notification-To: Alice <alice@example.com>\r\n"
    b"\r\n"
    b"Disposition-Notification-To: body@example.com\r\n"
)


def receipt(automatic: bool = False) -> bytes:
    return mdn.build_mdn(
        hostname="mail.example.org",
        reader_name="Bob 王",
        reader="bob@example.org",
        to=["alice@example.com"],
        original=mdn.original_of(ORIGINAL),
        subject="plan",
        sent=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        automatic=automatic,
    )


def test_the_request_is_read_from_the_header_section_only() -> None:
    assert mdn.requested(ORIGINAL) == ["alice@example.com"]
    assert mdn.requested(ORIGINAL.replace(b"\r\n", b"\n")) == ["alice@example.com"]
    body_only = ORIGINAL.replace(b"Disposition-Notification-To: Alice", b"X-Other: Alice", 1)
    assert mdn.requested(body_only) == []
    assert mdn.requested(b"List-Id: <news.example.com>\r\n" + ORIGINAL) == []  # no lists
    assert mdn.requested(b"Disposition-Notification-To: not an address\r\n\r\n") == []
    many = ", ".join(f"a{n}@example.com" for n in range(9)).encode()
    assert len(mdn.requested(b"Disposition-Notification-To: " + many + b"\r\n\r\n")) == 5


def test_a_built_receipt_is_a_multipart_report_that_reads_back() -> None:
    raw = receipt()
    message = message_from_bytes(raw)
    assert message.get_content_type() == "multipart/report"
    assert message.get_param("report-type") == "disposition-notification"
    assert message["To"] == "alice@example.com" and message["In-Reply-To"] == "<plan-1@example.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    text, fields, headers = message.get_payload()
    assert "bob@example.org" in text.get_payload(decode=True).decode()
    assert fields.get_content_type() == "message/disposition-notification"
    report = fields.get_payload()[0]
    assert report["Reporting-UA"] == "mail.example.org; Qiyou"
    assert report["Original-Recipient"] == "rfc822;bob@example.org"
    assert report["Final-Recipient"] == "rfc822; bob@example.org"
    assert report["Original-Message-ID"] == "<plan-1@example.com>"
    assert report["Disposition"] == "manual-action/MDN-sent-manually; displayed"
    assert headers.get_content_type() == "text/rfc822-headers"
    assert b"\r\n" in raw and b"\n\n" not in raw.replace(b"\r\n", b"")  # CRLF throughout
    assert raw.isascii()  # 7bit: the Chinese line is quoted-printable
    assert mdn.parse_mdn(raw) == mdn.Report(
        "bob@example.org", "plan-1@example.com", "displayed", False
    )
    assert mdn.parse_mdn(receipt(automatic=True)).automatic is True


def test_receipts_as_other_programs_write_them() -> None:
    outlook = (
        b"Content-Type: multipart/report; report-type=Disposition-Notification;\r\n"
        b"\tboundary=b1\r\nSubject: Read: plan\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
        b"read\r\n--b1\r\nContent-Type: message/disposition-notification\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(
            b"Final-Recipient: RFC822; Bob@Example.org\r\n"
            b"Original-Message-ID: <plan-1@example.com>\r\n"
            b"Disposition: automatic-action/MDN-sent-automatically; deleted\r\n"
        )
        + b"--b1--\r\n"
    )
    assert mdn.parse_mdn(outlook) == mdn.Report(
        "Bob@Example.org", "plan-1@example.com", "deleted", True
    )


def test_what_is_not_a_receipt() -> None:
    raw = receipt()
    assert mdn.parse_mdn(ORIGINAL) is None
    assert mdn.parse_mdn(raw.replace(b"Original-Message-ID", b"X-Message-ID")) is None
    assert mdn.parse_mdn(raw.replace(b"displayed", b"exploded")) is None
    assert mdn.parse_mdn(raw.replace(b"rfc822; bob@example.org", b"rfc822; nobody")) is None
    assert mdn.parse_mdn(raw.replace(b"message/disposition-notification", b"text/plain")) is None
    truncated = raw[: raw.index(b"Reporting-UA")]
    assert mdn.parse_mdn(truncated) is None
    assert (
        mdn.parse_mdn(
            b"Content-Type: multipart/report; report-type=disposition-notification"
            b"; boundary=x\r\n\r\n--x\r\n"
        )
        is None
    )
