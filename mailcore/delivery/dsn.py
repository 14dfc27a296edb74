"""Delivery status notifications (RFC 3464): ``multipart/report; report-type=delivery-status``
with a human-readable part, the ``message/delivery-status`` fields and the original headers
(or, for a bounce of a message sent with ``RET=FULL``, the whole message), built with the
standard library's email package; and recognising one that arrives (``is_report``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import format_datetime, formatdate, make_msgid


@dataclass(frozen=True)
class RecipientReport:
    recipient: str
    action: str  # failed, delayed, relayed, delivered or expanded
    status: str  # 5.1.1, 4.4.1 ...
    diagnostic: str  # the remote reply or our reason
    remote_host: str = ""
    last_attempt: datetime | None = None
    retry_until: datetime | None = None
    original_recipient: str = ""  # ORCPT as "type;address"


_HEAD_END = re.compile(rb"\r?\n\r?\n")


def is_report(mail_from: str | None, raw: bytes) -> bool:
    """A delivery status notification: sent from the null sender (``MAIL FROM:<>``, RFC 5321
    4.5.5) or a ``multipart/report; report-type=delivery-status`` (RFC 3464)."""
    if not (mail_from or "").strip("<> "):
        return True
    end = _HEAD_END.search(raw, 0, 64 * 1024)
    head = raw[: end.start() if end else 64 * 1024]
    if b"multipart/report" not in head.lower():  # cheap: most mail is not parsed again
        return False
    headers = BytesHeaderParser().parsebytes(head + b"\r\n\r\n")
    report_type = str(headers.get_param("report-type", "") or "")
    return headers.get_content_type() == "multipart/report" and (
        report_type.lower() == "delivery-status"
    )


_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")


def status_of(reply: str, failed: bool) -> str:
    """The enhanced status code of a reply, or a generic one for its class."""
    match = _STATUS.search(reply or "")
    if match and match.group(1)[0] in "45":
        return match.group(1)
    return "5.0.0" if failed else "4.0.0"


def build_dsn(
    *,
    reporting_mta: str,
    to: str,
    original: bytes,
    reports: list[RecipientReport],
    arrival: datetime | None,
    envid: str = "",
    full: bool = False,
) -> bytes:
    failed = any(r.action == "failed" for r in reports)
    relayed = all(r.action == "relayed" for r in reports)
    delivered = all(r.action in ("delivered", "expanded") for r in reports)
    outer = EmailMessage()
    outer["From"] = f"Mail Delivery System <MAILER-DAEMON@{reporting_mta}>"
    outer["To"] = to
    outer["Subject"] = (
        "Undelivered Mail Returned to Sender"
        if failed
        else "Successful Mail Relay Report"
        if relayed
        else "Successful Mail Delivery Report"
        if delivered
        else "Delayed Mail (still being retried)"
    )
    outer["Date"] = formatdate(localtime=False, usegmt=True)
    outer["Message-ID"] = make_msgid(domain=reporting_mta)
    outer["Auto-Submitted"] = "auto-replied"
    outer["MIME-Version"] = "1.0"
    outer.set_type("multipart/report")
    outer.set_param("report-type", "delivery-status")
    lines = [
        f"This is the mail system at {reporting_mta}.",
        "",
        "Your message could not be delivered to the recipients below."
        if failed
        else "Your message was handed on to the servers of the recipients below, which do not"
        " send delivery reports: this is the last report you will get about it."
        if relayed
        else "Your message was delivered to the mailboxes of the recipients below."
        if delivered
        else "Your message has not been delivered yet to the recipients below; it is still"
        " being retried and you do not need to send it again.",
        "",
    ]
    for r in reports:
        lines.append(f"<{r.recipient}>: {r.diagnostic}")
    text = EmailMessage()
    text.set_content("\n".join(lines) + "\n", charset="utf-8")
    outer.attach(text)

    status = Message()
    status.set_type("message/delivery-status")
    fields: list[Message] = []
    per_message = Message()
    if envid:
        per_message["Original-Envelope-Id"] = envid
    per_message["Reporting-MTA"] = f"dns; {reporting_mta}"
    if arrival is not None:
        per_message["Arrival-Date"] = format_datetime(arrival)
    fields.append(per_message)
    for r in reports:
        block = Message()
        if r.original_recipient:
            kind, _, address = r.original_recipient.partition(";")
            block["Original-Recipient"] = f"{kind}; {address}"
        block["Final-Recipient"] = f"rfc822; {r.recipient}"
        block["Action"] = r.action
        block["Status"] = r.status
        if r.remote_host:
            block["Remote-MTA"] = f"dns; {r.remote_host}"
        if r.diagnostic:
            block["Diagnostic-Code"] = f"smtp; {' '.join(r.diagnostic.split())[:900]}"
        if r.last_attempt is not None:
            block["Last-Attempt-Date"] = format_datetime(r.last_attempt)
        if r.retry_until is not None:
            block["Will-Retry-Until"] = format_datetime(r.retry_until)
        fields.append(block)
    status.set_payload(fields)
    outer.attach(status)

    if full:
        returned = Message()
        returned.set_type("message/rfc822")
        returned.set_payload([BytesParser().parsebytes(original)])
        outer.attach(returned)
        return outer.as_bytes()
    headers = Message()
    headers.set_type("text/rfc822-headers")
    head = re.split(rb"\r?\n\r?\n", original, maxsplit=1)[0][: 64 * 1024]
    headers.set_payload(head.decode("utf-8", "replace").replace("\r\n", "\n") + "\n")
    outer.attach(headers)
    return outer.as_bytes()
