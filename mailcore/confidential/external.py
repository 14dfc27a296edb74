"""External recipients: the verification page behind the link of their notice mail.

We have no phone number for them, so the code goes to their own address (the one the
notice was sent to) through the ordinary outbound queue; a right code opens the message on
the page for ``QIYOU_CONFIDENTIAL_VIEW_MINUTES`` under a view token of its own.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from mailcore.confidential.codes import (
    CodeSent,
    Reader,
    mask_address,
    new_code,
    retire_older,
    throttle,
    verify,
)
from mailcore.confidential.errors import ConfidentialError, ConfidentialErrorCode
from mailcore.confidential.sending import token_hash
from mailcore.core.config import Settings
from mailcore.core.mime.build import build_message
from mailcore.core.mime.types import Address
from mailcore.core.models import (
    CodeChannel,
    ConfidentialLink,
    ConfidentialMessage,
    ConfidentialRead,
    Member,
    Message,
)
from mailcore.store.ingest import Ingestor, IngestRequest, IngestSource

MAX_TOKEN = 100


@dataclass
class Opened:
    link: ConfidentialLink
    message: Message
    read: ConfidentialRead


async def link_of(token: str) -> ConfidentialLink:
    if not token or len(token) > MAX_TOKEN:
        raise ConfidentialError(ConfidentialErrorCode.NOT_FOUND, "no such link")
    link = (
        await ConfidentialLink.filter(token_hash=token_hash(token))
        .select_related("confidential__message")
        .first()
    )
    if link is None:
        raise ConfidentialError(
            ConfidentialErrorCode.NOT_FOUND, "this link is not valid (or the message is gone)"
        )
    return link


def masked(link: ConfidentialLink) -> str:
    return mask_address(link.address)


async def request_code(
    settings: Settings, ingestor: Ingestor, token: str, ip: str = ""
) -> tuple[ConfidentialLink, CodeSent]:
    """Mail a code to the link's recipient (queued like any outbound mail)."""
    link = await link_of(token)
    conf: ConfidentialMessage = link.confidential
    reader = Reader(link=link, ip=ip)
    await throttle(conf, reader, CodeChannel.EMAIL)
    row, code = await new_code(settings, conf, reader, CodeChannel.EMAIL)
    sender = await Member.filter(id=conf.sender_id).first() if conf.sender_id else None
    envelope = sender.email if sender else f"no-reply@{link.address.rpartition('@')[2]}"
    domain = envelope.rpartition("@")[2]
    raw = code_mail(
        link.address,
        code,
        settings.confidential_code_minutes,
        subject=conf.message.subject,
        sender=(sender.name or sender.email) if sender else "",
        domain=domain,
    )
    try:
        await ingestor.ingest(
            IngestRequest(
                raw=raw,
                source=IngestSource.SYSTEM,
                envelope_from=envelope,
                outbound=[link.address],
                sender_member_id=None,
            )
        )
    except Exception:
        await row.delete()
        raise
    await retire_older(conf, reader, row)
    return link, CodeSent(CodeChannel.EMAIL, mask_address(link.address), row.expires_at)


def code_mail(
    address: str, code: str, minutes: int, *, subject: str, sender: str, domain: str
) -> bytes:
    text = (
        f"您的保密邮件验证码：{code}（{minutes} 分钟内有效）\n"
        f"邮件：「{subject}」 发件人：{sender}\n\n"
        f'Your code to read the confidential message "{subject}" from {sender}: {code}\n'
        f"It is valid for {minutes} minutes. If you did not ask for it, ignore this mail.\n"
    )
    raw, _ = build_message(
        from_=Address("企邮 Qiyou", f"no-reply@{domain}"),
        to=[Address("", address)],
        cc=[],
        subject=f"保密邮件验证码 Confidential message code: {code}",
        text=text,
        html=None,
        extra_headers={"Auto-Submitted": "auto-generated"},
        domain=domain,
    )
    return raw


async def verify_code(
    settings: Settings, token: str, code: str, ip: str = ""
) -> tuple[ConfidentialLink, ConfidentialRead, str]:
    """Check the code; a right one gives a view token that opens the page for a while."""
    link = await link_of(token)
    view = secrets.token_urlsafe(24)
    read = await verify(settings, link.confidential, Reader(link=link, ip=ip), code)
    read.view_hash = hashlib.sha256(view.encode()).hexdigest()
    await read.save(update_fields=["view_hash"])
    return link, read, view


async def opened(token: str, view: str) -> Opened:
    """The message behind a link, while its view token is live."""
    link = await link_of(token)
    read = None
    if view and len(view) <= MAX_TOKEN:
        read = await ConfidentialRead.filter(
            link_id=link.id,
            view_hash=hashlib.sha256(view.encode()).hexdigest(),
            expires_at__gt=datetime.now(UTC),
        ).first()
    if read is None:
        raise ConfidentialError(
            ConfidentialErrorCode.CODE_EXPIRED, "verify with a code to read the message"
        )
    return Opened(link=link, message=link.confidential.message, read=read)
