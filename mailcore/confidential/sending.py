"""Sending confidential mail: the compose check, and the ingest policy that records the
message as confidential and sends external recipients a notice with a link instead of it.

``compose.send_mail`` calls ``before_send`` first: it refuses forwarding a confidential
message or quoting one in a reply, and marks the send (a context variable of the calling
task) when the sender asked for confidential. The ingest policy ``apply`` then acts on the
marked sender's compose ingests: it takes the external recipients out of the request (the
original never enters the outbound queue), stores one notice mail per external recipient
and, in the mail's own commit, records the confidential row, the links and the notices'
outbound queue rows.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mailcore.confidential.access import confidential_of
from mailcore.core.blobs import BlobStore, blob_key
from mailcore.core.config import Settings
from mailcore.core.mime.build import build_message
from mailcore.core.mime.parse import parse_message
from mailcore.core.mime.types import Address, ParsedMessage
from mailcore.core.models import (
    ConfidentialLink,
    ConfidentialMessage,
    Member,
    Message,
    OutboundMessage,
)
from mailcore.mail.mailbox import get_entry
from mailcore.store.commit import message_row
from mailcore.store.errors import MailError, MailErrorCode
from mailcore.store.request import IngestRequest, IngestResult, IngestSource

if TYPE_CHECKING:
    from mailcore.mail.compose import ComposeInput

QUOTE_MIN = 12  # a reply line this long that is a line of the original is a quote
NOTICE_HEADER = "X-Qiyou-Confidential"


@dataclass(frozen=True)
class _Mark:
    member_id: int
    enterprise_id: int


_marked: ContextVar[_Mark | None] = ContextVar("qiyou_confidential_send", default=None)


def base_url(settings: Settings) -> str:
    """Where the links mailed to external readers point (``QIYOU_PUBLIC_URL``)."""
    return settings.public_url or f"http://{settings.hostname}:{settings.http_port}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def before_send(blobs: BlobStore, member: Member, form: ComposeInput) -> None:
    """Refuse forwarding or quoting a confidential message; mark a confidential send."""
    if form.forward_id:
        entry = await get_entry(member.id, form.forward_id)
        if await confidential_of(entry.message_id) is not None:
            raise MailError(
                MailErrorCode.CONFIDENTIAL, "a confidential message cannot be forwarded", "forward"
            )
    if form.reply_to_id:
        entry = await get_entry(member.id, form.reply_to_id)
        if await confidential_of(entry.message_id) is not None:
            original = parse_message(await blobs.get(entry.message.sha256))
            if _quotes(original, form.text, form.html):
                raise MailError(
                    MailErrorCode.CONFIDENTIAL,
                    "a reply to a confidential message cannot quote it",
                    "text",
                )
    confidential = getattr(form, "confidential", False)
    if confidential and str(getattr(form, "mode", "normal")) != "normal":
        raise MailError(
            MailErrorCode.INVALID, "confidential mail is sent as one message", "confidential"
        )
    _marked.set(_Mark(member.id, member.enterprise_id) if confidential else None)


def _lines(text: str) -> set[str]:
    out = set()
    for line in text.splitlines():
        line = re.sub(r"\s+", " ", line.lstrip("> \t")).strip()
        if len(line) >= QUOTE_MIN:
            out.add(line)
    return out


def _html_text(value: str) -> str:
    value = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</blockquote>", "\n", value)
    return html.unescape(re.sub(r"<[^>]+>", "", value))


def _quotes(original: ParsedMessage, text: str | None, html_body: str | None) -> bool:
    source = _lines(original.text or _html_text(original.html or ""))
    if not source:
        return False
    reply = _lines(text or "") | _lines(_html_text(html_body or ""))
    return bool(source & reply)


class ConfidentialPolicy:
    """The ingest policy: the marked member's compose ingests are confidential, and so is
    any later ingest of a confidential message's bytes (an approved held mail, a resend).
    Notices to external readers link to ``base_url`` and are written to ``blobs``."""

    def __init__(self, base_url: str, blobs: BlobStore) -> None:
        self.base_url = base_url
        self.blobs = blobs

    def link_url(self, token: str) -> str:
        return f"{self.base_url}/confidential/{token}"

    async def __call__(self, request: IngestRequest, parsed: ParsedMessage) -> None:
        mark = _marked.get()
        if (
            mark is not None
            and request.source is IngestSource.COMPOSE
            and request.sender_member_id == mark.member_id
        ):
            notices = await self._notices(request, parsed)
            request.on_commit.append(
                _recorder(request, mark.member_id, mark.enterprise_id, notices)
            )
        elif request.source is IngestSource.RULE and request.sender_member_id is not None:
            await _refuse_rule_forward(parsed)
        elif request.outbound and request.source is not IngestSource.IMPORT:
            conf = await ConfidentialMessage.filter(message__sha256=blob_key(request.raw)).first()
            if conf is not None:
                notices = await self._notices(request, parsed)
                request.on_commit.append(
                    _recorder(request, conf.sender_id, conf.enterprise_id, notices)
                )

    async def _notices(self, request: IngestRequest, parsed: ParsedMessage) -> list[_Notice]:
        """One stored notice per external recipient; the original never leaves."""
        notices = []
        for address in request.outbound:
            token = secrets.token_urlsafe(24)
            raw = notice_mail(parsed, address, self.link_url(token))
            notices.append(_Notice(address, token_hash(token), raw, await self.blobs.put(raw)))
        request.outbound = []
        return notices


async def _refuse_rule_forward(parsed: ParsedMessage) -> None:
    """A member's mail rule does not forward confidential mail (it keeps the Message-ID)."""
    from mailcore.store.request import PolicyRefusal

    if (
        parsed.message_id
        and await ConfidentialMessage.filter(message__message_id=parsed.message_id).exists()
    ):
        raise PolicyRefusal(
            MailErrorCode.CONFIDENTIAL.value,
            "confidential mail is not forwarded by mail rules",
            "550 5.7.1 Confidential mail is not forwarded",
        )


@dataclass(frozen=True)
class _Notice:
    address: str
    token_hash: str
    raw: bytes
    key: str


def _recorder(
    request: IngestRequest, sender_id: int | None, enterprise_id: int, notices: list[_Notice]
) -> Callable[[IngestResult], Awaitable[None]]:
    async def record(result: IngestResult) -> None:
        conf, _ = await ConfidentialMessage.get_or_create(
            message_id=result.message_pk,
            defaults={"sender_id": sender_id, "enterprise_id": enterprise_id},
        )
        now = datetime.now(UTC)
        for notice in notices:
            message = await _notice_message(notice.key, parse_message(notice.raw))
            await ConfidentialLink.create(
                confidential=conf, address=notice.address, token_hash=notice.token_hash
            )
            await OutboundMessage.create(
                message_id=message.id,
                sender_id=request.sender_member_id,
                envelope_from=request.envelope_from,
                recipient=notice.address,
                next_attempt_at=now,
            )
        result.queued += len(notices)

    return record


async def _notice_message(key: str, parsed: ParsedMessage) -> Message:
    """The stored row of a notice mail (it lives in no mailbox, only in the outbound queue),
    built as the ingest path builds message rows."""
    existing = await Message.filter(sha256=key).first()
    if existing is not None:
        return existing
    message = message_row(key, parsed)
    await message.save()
    return message


def notice_mail(original: ParsedMessage, recipient: str, link: str) -> bytes:
    """The mail an external recipient gets: who sent what, and the link to read it."""
    sender = original.from_ or Address("", "")
    who = f"{sender.name} <{sender.address}>" if sender.name else sender.address
    subject = original.subject or "(no subject)"
    text = (
        f"{who} 给您发送了一封保密邮件：「{subject}」\n"
        f"请打开以下链接，用发送到本邮箱的验证码查看：\n{link}\n\n"
        f'{who} sent you a confidential message: "{subject}".\n'
        f"Open this link and enter the one-time code we send to this address to read it:\n"
        f"{link}\n"
    )
    esc = html.escape
    body = (
        f"<p>{esc(who)} 给您发送了一封保密邮件：「{esc(subject)}」</p>"
        f"<p>{esc(who)} sent you a confidential message: “{esc(subject)}”.</p>"
        f'<p><a href="{esc(link)}">查看保密邮件 Read the confidential message</a></p>'
        "<p>打开链接后，我们会向本邮箱发送一次性验证码。"
        "We send a one-time code to this address when you open the link.</p>"
    )
    raw, _ = build_message(
        from_=sender,
        to=original.to or [Address("", recipient)],
        cc=original.cc,
        subject=subject,
        text=text,
        html=body,
        in_reply_to=original.in_reply_to,
        references=original.references,
        extra_headers={NOTICE_HEADER: "notice"},
        domain=sender.address.rpartition("@")[2] or "localhost",
    )
    return raw
