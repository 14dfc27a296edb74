"""Build outgoing RFC 5322 messages (CRLF, UTF-8, RFC 2047/2231 encoded) with stdlib `email`."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime

from mailcore.core.mime.headers import parse_ids
from mailcore.core.mime.sanitize import html_to_text
from mailcore.core.mime.subject import forward_subject, reply_subject
from mailcore.core.mime.types import Address

__all__ = [
    "OutgoingAttachment",
    "build_message",
    "build_references",
    "forward_subject",
    "reply_subject",
]

MAX_REFERENCES = 20

# 7bit transport: non-ASCII bodies become quoted-printable or base64, lines stay short.
_POLICY = policy.SMTP.clone(cte_type="7bit", max_line_length=78)
_POLICY_UTF8 = _POLICY.clone(utf8=True)
_CTYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")
_LINEBREAKS = re.compile(r"[\r\n\x00]+")
# Headers build_message owns; extra_headers cannot override or inject them.
_RESERVED = frozenset(
    {
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to",
        "references", "mime-version", "content-type", "content-transfer-encoding",
        "content-disposition", "resent-bcc",
    }
)  # fmt: skip


@dataclass
class OutgoingAttachment:
    """A file to attach; with ``content_id`` set it is an inline (embedded) image."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    # With content_id: still a regular attachment, its Content-ID named by an invitation's
    # ``ATTACH:CID:…`` (RFC 6047 2.4) rather than by the HTML.
    attached: bool = False


def _one_line(value: str) -> str:
    return _LINEBREAKS.sub(" ", value or "").strip()


def _addr_spec(address: str) -> str:
    spec = _one_line(address).strip("<>").replace(" ", "")
    local, at, domain = spec.rpartition("@")
    if at and domain and not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            pass
        spec = f"{local}@{domain}"
    return spec


def _header_address(addr: Address) -> HeaderAddress:
    name = _one_line(addr.name)
    spec = _addr_spec(addr.address)
    try:
        return HeaderAddress(display_name=name, addr_spec=spec)
    except (ValueError, IndexError, TypeError):
        username, at, domain = spec.rpartition("@")
        if not at:
            username, domain = spec, ""
        return HeaderAddress(display_name=name, username=username, domain=domain)


def _set_addresses(msg: EmailMessage, header: str, addrs: Sequence[Address]) -> None:
    if addrs:
        msg[header] = [_header_address(a) for a in addrs]


def _bracket(mid: str) -> str:
    return f"<{mid.strip().strip('<>')}>"


def _split_type(content_type: str) -> tuple[str, str]:
    ctype = (content_type or "").strip().lower()
    if not _CTYPE.match(ctype) or ctype.startswith("multipart/"):
        ctype = "application/octet-stream"
    maintype, subtype = ctype.split("/", 1)
    return maintype, subtype


def _attachment_kwargs(att: OutgoingAttachment) -> dict[str, object]:
    maintype, subtype = _split_type(att.content_type)
    kwargs: dict[str, object] = {
        "maintype": maintype,
        "subtype": subtype,
        "filename": _one_line(att.filename) or "attachment",
    }
    return kwargs


def _attachment_data(att: OutgoingAttachment) -> tuple[bytes, dict[str, object]]:
    """Payload and set_content arguments; message/* must stay 7bit (RFC 2046, no base64)."""
    kwargs = _attachment_kwargs(att)
    data = att.data
    if kwargs["maintype"] == "message":
        if data.isascii():
            kwargs["cte"] = "7bit"
            data = re.sub(rb"\r?\n|\r", b"\r\n", data)
        else:  # 8-bit message: ship it as an opaque .eml file rather than mangle it
            kwargs["maintype"], kwargs["subtype"] = "application", "octet-stream"
    return data, kwargs


def build_message(
    *,
    from_: Address,
    to: list[Address],
    cc: list[Address],
    subject: str,
    text: str | None,
    html: str | None,
    attachments: Sequence[OutgoingAttachment] = (),
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    message_id: str | None = None,
    date: datetime | None = None,
    extra_headers: dict[str, str] | None = None,
    domain: str = "localhost",
    calendar: tuple[str, str] | None = None,
) -> tuple[bytes, str]:
    """Return (raw message bytes with CRLF line endings, Message-ID without <>).

    ``calendar`` (iTIP method, iCalendar text): a ``text/calendar; method=...`` alternative
    after the text and HTML, as Outlook, Gmail and Apple Mail send invitations (RFC 6047).

    Bcc is never written: the caller passes Bcc recipients to the SMTP envelope only.
    """
    if html is not None and text is None:
        text = html_to_text(html)
    text = text or ""
    inline = [a for a in attachments if a.content_id and not a.attached] if html is not None else []
    regular = [a for a in attachments if a not in inline]

    mid = (message_id or "").strip().strip("<>") or f"{secrets.token_hex(16)}@{domain}"
    when = date or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)

    # A non-ASCII local part cannot be encoded: write UTF-8 headers (RFC 6532, needs SMTPUTF8).
    everyone = [from_, *to, *cc]
    pol = _POLICY_UTF8 if any(not _addr_spec(a.address).isascii() for a in everyone) else _POLICY
    msg = EmailMessage(policy=pol)
    msg["From"] = _header_address(from_)
    _set_addresses(msg, "To", to)
    _set_addresses(msg, "Cc", cc)
    msg["Subject"] = _one_line(subject)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = _bracket(mid)
    if in_reply_to:
        msg["In-Reply-To"] = _bracket(in_reply_to)
    refs = [r for ref in references for r in (parse_ids(ref) or [ref.strip()]) if r]
    if refs:
        msg["References"] = " ".join(_bracket(r) for r in refs)
    for name, value in (extra_headers or {}).items():
        name = _one_line(name)
        if not name or name.lower() in _RESERVED or not re.fullmatch(r"[!-9;-~]+", name):
            continue
        del msg[name]
        msg[name] = _one_line(value)
    msg.set_content(text, subtype="plain", charset="utf-8")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8")
        html_part = msg.get_payload()[1]
        for att in inline:
            data, kwargs = _attachment_data(att)
            html_part.add_related(
                data, cid=_bracket(att.content_id or ""), disposition="inline", **kwargs
            )
    if calendar is not None:
        method, ics = calendar
        msg.add_alternative(ics, subtype="calendar", charset="utf-8", params={"method": method})
    for att in regular:
        cid = _bracket(att.content_id) if att.content_id else None
        data, kwargs = _attachment_data(att)
        msg.add_attachment(data, cid=cid, **kwargs)
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]  # the stdlib adds it to every sub-part
    raw = msg.as_bytes(policy=pol)
    return raw, mid


def build_references(parent_message_id: str | None, parent_references: Sequence[str]) -> list[str]:
    """References for a reply: the parent's references plus its id, deduped, without <>.

    Long chains keep the first id (thread root) and the most recent ones.
    """
    ids: list[str] = []
    for ref in parent_references or ():
        ids.extend(parse_ids(ref) or ([ref.strip()] if ref and ref.strip() else []))
    if parent_message_id:
        ids.extend(parse_ids(parent_message_id) or [parent_message_id.strip().strip("<>")])
    seen: set[str] = set()
    result = [i for i in ids if i and not (i in seen or seen.add(i))]
    if len(result) > MAX_REFERENCES:
        result = result[:1] + result[-(MAX_REFERENCES - 1) :]
    return result
