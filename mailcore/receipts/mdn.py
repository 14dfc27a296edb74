"""The wire format of read receipts (RFC 8098), apart from storage: reading a mail's request
(``Disposition-Notification-To``), building a receipt (``multipart/report;
report-type=disposition-notification``: a human-readable part, the
``message/disposition-notification`` fields, the original's headers) and reading one that
arrives. Built and parsed with the standard library's ``email`` package."""

from __future__ import annotations

import base64
import quopri
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import SMTP, compat32
from email.utils import format_datetime, formataddr, getaddresses, make_msgid

from mailcore.core.mime.headers import parse_ids

HEADER = "Disposition-Notification-To"
MAX_HEAD = 64 * 1024
MAX_NOTIFY = 5  # addresses a receipt goes to at most
LIST_HEADERS = ("list-id", "list-post", "list-unsubscribe", "mailing-list")
_ADDRESS = re.compile(r"^[^@\s<>()]+@[^@\s<>()]+$")
# RFC 8098 3.2.6: action-mode/sending-mode; disposition-type
_DISPOSITION = re.compile(
    r"^\s*(manual-action|automatic-action)\s*/\s*(mdn-sent-manually|mdn-sent-automatically)"
    r"\s*;\s*(displayed|deleted|dispatched|processed)\b",
    re.IGNORECASE,
)


def _head_bytes(raw: bytes) -> bytes:
    """The header section (at most ``MAX_HEAD`` bytes)."""
    end = raw.find(b"\r\n\r\n", 0, MAX_HEAD)
    end = MAX_HEAD if end < 0 else end
    bare = raw.find(b"\n\n", 0, end)  # a mail with bare LF line ends
    return raw[: bare if bare >= 0 else end]


def _head(raw: bytes) -> Message:
    return BytesHeaderParser(policy=compat32).parsebytes(_head_bytes(raw) + b"\r\n\r\n")


def _addresses(values: list[str]) -> list[str]:
    found = [a.strip() for _, a in getaddresses([str(v) for v in values])]
    return list(dict.fromkeys(a for a in found if _ADDRESS.match(a)))


def requested(raw: bytes) -> list[str]:
    """Where the mail asks receipts to go; empty for none, or for a mailing list's mail
    (RFC 8098 2.1: no receipts to lists)."""
    if b"disposition-notification-to" not in _head_bytes(raw).lower():  # most mail: cheap
        return []
    head = _head(raw)
    if any(head.get(h) is not None for h in LIST_HEADERS):
        return []
    return _addresses(head.get_all(HEADER, []))[:MAX_NOTIFY]


@dataclass(frozen=True)
class Original:
    """What a receipt says of the mail it reports on."""

    message_id: str | None
    original_recipient: str | None  # its Original-Recipient header, if any
    head: bytes  # its header section


def original_of(raw: bytes) -> Original:
    head = _head_bytes(raw)
    headers = _head(raw)
    ids = parse_ids(str(headers.get("message-id", "") or ""))
    orig = str(headers.get("original-recipient", "") or "").strip() or None
    return Original(message_id=ids[0] if ids else None, original_recipient=orig, head=head)


def build_mdn(
    *,
    hostname: str,
    reader_name: str,
    reader: str,
    to: list[str],
    original: Original,
    subject: str,
    sent: datetime | None,
    automatic: bool,
    now: datetime | None = None,
) -> bytes:
    """A ``displayed`` receipt from ``reader`` for ``original``, addressed to ``to``."""
    now = now or datetime.now(UTC)
    mode = (
        "automatic-action/MDN-sent-automatically"
        if automatic
        else "manual-action/MDN-sent-manually"
    )
    outer = EmailMessage()
    outer["From"] = formataddr((reader_name, reader))
    outer["To"] = ", ".join(to)
    outer["Subject"] = f"Read: {subject}".strip()
    outer["Date"] = format_datetime(now)
    outer["Message-ID"] = make_msgid(domain=reader.rpartition("@")[2] or hostname)
    if original.message_id:
        outer["In-Reply-To"] = outer["References"] = f"<{original.message_id}>"
    outer["Auto-Submitted"] = "auto-replied"  # RFC 3834: nobody auto-replies to it
    outer["MIME-Version"] = "1.0"
    outer.set_type("multipart/report")
    outer.set_param("report-type", "disposition-notification")
    when = format_datetime(sent) if sent else "-"
    lines = [
        "This is a receipt for the mail you sent",
        f"    Subject: {subject}",
        f"    Sent:    {when}",
        "",
        f"It was displayed to {reader} at {format_datetime(now)}.",
        "This is no guarantee that the message has been read or understood.",
        "",
        f"您发送的邮件已于 {now:%Y-%m-%d %H:%M} (UTC) 被 {reader} 打开阅读。",
    ]
    text = EmailMessage()
    text.set_content("\n".join(lines) + "\n", charset="utf-8", cte="quoted-printable")
    outer.attach(text)

    fields = [f"Reporting-UA: {hostname}; Qiyou"]
    if original.original_recipient:
        fields.append(f"Original-Recipient: {_one_line(original.original_recipient)}")
    fields.append(f"Final-Recipient: rfc822; {reader}")
    if original.message_id:
        fields.append(f"Original-Message-ID: <{original.message_id}>")
    fields.append(f"Disposition: {mode}; displayed")
    report = Message()
    report.set_type("message/disposition-notification")
    report.set_payload("\r\n".join(fields) + "\r\n")
    outer.attach(report)

    headers = Message()
    headers.set_type("text/rfc822-headers")
    headers.set_payload(original.head.decode("utf-8", "replace").replace("\r\n", "\n") + "\n")
    outer.attach(headers)
    for part in outer.get_payload():
        del part["MIME-Version"]  # the standard library adds it to every part
    return outer.as_bytes(policy=SMTP)


def _one_line(value: str) -> str:
    return " ".join(value.split())[:400]


@dataclass(frozen=True)
class Report:
    """A receipt that arrived: who (Final-Recipient), for which mail, what happened."""

    recipient: str
    original_message_id: str
    disposition: str  # displayed, deleted, dispatched, processed
    automatic: bool


def is_mdn(raw: bytes) -> bool:
    """A ``multipart/report; report-type=disposition-notification`` (cheap for other mail)."""
    if b"disposition-notification" not in _head_bytes(raw).lower():
        return False
    head = _head(raw)
    report_type = str(head.get_param("report-type", "") or "")
    return (
        head.get_content_type() == "multipart/report"
        and report_type.lower() == "disposition-notification"
    )


def _fields(part: Message) -> Message | None:
    payload = part.get_payload()
    encoding = str(part.get("content-transfer-encoding", "") or "").strip().lower()
    if encoding in ("base64", "quoted-printable"):  # some programs encode the report
        if isinstance(payload, list):
            text = payload[0].as_bytes() if payload else b""
        else:
            text = str(payload).encode("ascii", "replace")
        body = base64.b64decode(text) if encoding == "base64" else quopri.decodestring(text)
        return BytesHeaderParser(policy=compat32).parsebytes(body.lstrip() + b"\r\n\r\n")
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]  # the parser reads message/* as a sub-message: its headers
    if not isinstance(payload, str):
        return None
    body = payload.encode("utf-8", "replace")
    return BytesHeaderParser(policy=compat32).parsebytes(body.lstrip() + b"\r\n\r\n")


def parse_mdn(raw: bytes) -> Report | None:
    """The receipt's report, or None for anything that is not a well-formed one."""
    if not is_mdn(raw):
        return None
    try:
        message = message_from_bytes(raw, policy=compat32)
        part = next(
            (
                p
                for p in message.walk()
                if p.get_content_type() == "message/disposition-notification"
            ),
            None,
        )
        fields = _fields(part) if part is not None else None
    except Exception:  # noqa: BLE001 - a malformed receipt is ordinary mail
        return None
    if fields is None:
        return None
    ids = parse_ids(str(fields.get("original-message-id", "") or ""))
    final = str(fields.get("final-recipient", "") or "")
    _, _, address = final.partition(";")
    address = address.strip().strip("<>")
    disposition = _DISPOSITION.match(str(fields.get("disposition", "") or ""))
    if not ids or not _ADDRESS.match(address) or disposition is None:
        return None
    return Report(
        recipient=address[:320],
        original_message_id=ids[0],
        disposition=disposition.group(3).lower(),
        automatic=disposition.group(1).lower() == "automatic-action",
    )
