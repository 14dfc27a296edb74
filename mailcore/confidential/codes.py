"""One-time codes: asked for by a recipient, sent by SMS, WeChat or email, verified once.

A code has six digits, lives ``QIYOU_CONFIDENTIAL_CODE_MINUTES`` and allows
``MAX_ATTEMPTS`` wrong guesses; a new code replaces the recipient's older ones. Codes are
stored hashed. A right code opens the message (``ConfidentialRead``: who, when, channel,
IP) for ``QIYOU_CONFIDENTIAL_VIEW_MINUTES``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.expressions import F

from mailcore.confidential.access import confidential_of, sms_configured, wechat_configured
from mailcore.confidential.errors import ConfidentialError, ConfidentialErrorCode
from mailcore.core.config import Settings
from mailcore.core.models import (
    CodeChannel,
    ConfidentialCode,
    ConfidentialLink,
    ConfidentialMessage,
    ConfidentialRead,
    MailboxEntry,
    Member,
    WechatBinding,
)
from mailcore.mail.mailbox import get_entry
from mailcore.sms import SmsError, sms_sender
from mailcore.sms.sender import e164
from mailcore.store.errors import MailError
from mailcore.wechat.client import WechatApi, WechatError, send_subscribe_message

MAX_ATTEMPTS = 5
RESEND_SECONDS = 60  # per recipient, message and channel
MAX_PER_HOUR = 10  # per recipient and message
MAX_CODE = 16
THING = 20  # WeChat's limit on a "thing" value
NO_ACCEPTANCE = 43101  # WeChat: the user accepted no subscribe message of this template
WECHAT_PAGE = "pages/message/message?id={id}"


@dataclass(frozen=True)
class CodeSent:
    channel: CodeChannel
    destination: str  # masked: +86138****0000, WeChat, b***@example.org
    expires_at: datetime


@dataclass(frozen=True)
class Reader:
    """Who asks for or verifies a code: a member (and their session) or an external link."""

    member: Member | None = None
    session_id: int | None = None
    link: ConfidentialLink | None = None
    ip: str = ""

    @property
    def address(self) -> str:
        if self.member is not None:
            return self.member.email
        assert self.link is not None
        return self.link.address


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _mask_phone(phone: str) -> str:
    return phone[:-8] + "****" + phone[-4:] if len(phone) > 8 else "****"


def mask_address(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


async def member_message(member: Member, entry_id: str) -> tuple[MailboxEntry, ConfidentialMessage]:
    """The member's copy and its confidential row; the sender needs no code."""
    try:
        entry = await get_entry(member.id, entry_id)
    except MailError as exc:
        raise ConfidentialError(ConfidentialErrorCode.NOT_FOUND, "no such message", "id") from exc
    conf = await confidential_of(entry.message_id)
    if conf is None:
        raise ConfidentialError(
            ConfidentialErrorCode.NOT_CONFIDENTIAL, "this message is not confidential", "id"
        )
    if conf.sender_id == member.id:
        raise ConfidentialError(
            ConfidentialErrorCode.NOT_NEEDED, "you sent this message: it needs no code", "id"
        )
    return entry, conf


def _rows(conf: ConfidentialMessage, reader: Reader):
    if reader.member is not None:
        return ConfidentialCode.filter(confidential_id=conf.id, member_id=reader.member.id)
    assert reader.link is not None
    return ConfidentialCode.filter(confidential_id=conf.id, link_id=reader.link.id)


async def throttle(conf: ConfidentialMessage, reader: Reader, channel: CodeChannel) -> None:
    now = datetime.now(UTC)
    rows = _rows(conf, reader)
    if await rows.filter(created_at__gt=now - timedelta(hours=1)).count() >= MAX_PER_HOUR:
        raise ConfidentialError(
            ConfidentialErrorCode.TOO_MANY_REQUESTS, "too many codes asked: try again later"
        )
    last = await rows.filter(channel=channel).order_by("-id").first()
    if last is not None and last.created_at > now - timedelta(seconds=RESEND_SECONDS):
        wait = RESEND_SECONDS - int((now - last.created_at).total_seconds())
        raise ConfidentialError(
            ConfidentialErrorCode.TOO_MANY_REQUESTS,
            f"a code was just sent: ask again in {max(wait, 1)} seconds",
            "channel",
        )


async def new_code(
    settings: Settings, conf: ConfidentialMessage, reader: Reader, channel: CodeChannel
) -> tuple[ConfidentialCode, str]:
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    row = await ConfidentialCode.create(
        confidential_id=conf.id,
        member_id=reader.member.id if reader.member else None,
        link_id=reader.link.id if reader.link else None,
        channel=channel,
        code_hash=_hash(salt, code),
        salt=salt,
        expires_at=datetime.now(UTC) + timedelta(minutes=settings.confidential_code_minutes),
    )
    return row, code


async def retire_older(conf: ConfidentialMessage, reader: Reader, row: ConfidentialCode) -> None:
    """A new code replaces the older ones of the same reader."""
    await _rows(conf, reader).filter(id__lt=row.id, used_at=None).update(used_at=datetime.now(UTC))


async def request_member_code(
    settings: Settings, member: Member, entry_id: str, channel: CodeChannel
) -> CodeSent:
    """Send a code for the member's copy ``entry_id`` to their phone or WeChat."""
    entry, conf = await member_message(member, entry_id)
    reader = Reader(member=member)
    if channel is CodeChannel.SMS:
        destination = _phone(settings, member)
    elif channel is CodeChannel.WECHAT:
        destination = await _openid(settings, member)
    else:
        raise ConfidentialError(
            ConfidentialErrorCode.CHANNEL_UNAVAILABLE, "members verify by SMS or WeChat", "channel"
        )
    await throttle(conf, reader, channel)
    row, code = await new_code(settings, conf, reader, channel)
    minutes = settings.confidential_code_minutes
    try:
        if channel is CodeChannel.SMS:
            await sms_sender(settings).send_code(destination, code, minutes)
            shown = _mask_phone(destination)
        else:
            await _send_wechat(settings, destination, code, entry, row.expires_at)
            shown = "WeChat"
    except (SmsError, WechatError) as exc:
        await row.delete()
        raise _delivery_error(channel, exc) from exc
    await retire_older(conf, reader, row)
    return CodeSent(channel=channel, destination=shown, expires_at=row.expires_at)


def _delivery_error(channel: CodeChannel, exc: SmsError | WechatError) -> ConfidentialError:
    if isinstance(exc, WechatError) and exc.errcode == NO_ACCEPTANCE:
        return ConfidentialError(
            ConfidentialErrorCode.CHANNEL_UNAVAILABLE,
            "allow the code message in the mini-program first, then ask again",
            "channel",
        )
    return ConfidentialError(
        ConfidentialErrorCode.DELIVERY_FAILED,
        f"the code could not be sent by {channel.value}: {exc.message}",
        "channel",
    )


def _phone(settings: Settings, member: Member) -> str:
    if not sms_configured(settings):
        raise ConfidentialError(
            ConfidentialErrorCode.CHANNEL_UNAVAILABLE, "SMS is not set up on this server", "channel"
        )
    if not member.mobile:
        raise ConfidentialError(
            ConfidentialErrorCode.CHANNEL_UNAVAILABLE,
            "no mobile number in your directory entry",
            "channel",
        )
    try:
        return e164(member.mobile)
    except SmsError as exc:
        raise ConfidentialError(
            ConfidentialErrorCode.CHANNEL_UNAVAILABLE, exc.message, "channel"
        ) from exc


async def _openid(settings: Settings, member: Member) -> str:
    if not wechat_configured(settings):
        raise ConfidentialError(
            ConfidentialErrorCode.CHANNEL_UNAVAILABLE,
            "WeChat codes are not set up on this server",
            "channel",
        )
    binding = await WechatBinding.filter(member_id=member.id).first()
    if binding is None:
        raise ConfidentialError(
            ConfidentialErrorCode.CHANNEL_UNAVAILABLE,
            "bind WeChat in the mini-program first",
            "channel",
        )
    return binding.openid


def _wechat_fields(settings: Settings) -> dict[str, str]:
    pairs = (p.partition("=") for p in settings.wechat_code_fields.split(","))
    return {key.strip(): what.strip() for key, _, what in pairs if key.strip() and what.strip()}


async def _send_wechat(
    settings: Settings, openid: str, code: str, entry: MailboxEntry, expires: datetime
) -> None:
    values = {
        "code": code,
        "subject": (entry.message.subject or "(无主题)")[:THING],
        "expires": expires.astimezone(ZoneInfo(settings.time_zone)).strftime("%Y-%m-%d %H:%M"),
        "minutes": str(settings.confidential_code_minutes),
    }
    data = {key: values.get(what, what[:THING]) for key, what in _wechat_fields(settings).items()}
    await send_subscribe_message(
        WechatApi.from_settings(settings),
        openid,
        settings.wechat_code_template,
        data,
        page=WECHAT_PAGE.format(id=entry.id),
    )


async def verify(
    settings: Settings, conf: ConfidentialMessage, reader: Reader, code: str
) -> ConfidentialRead:
    """Check ``code`` against the reader's newest code; a right one opens the message."""
    now = datetime.now(UTC)
    row = await _rows(conf, reader).order_by("-id").first()
    if row is None or row.used_at is not None:
        raise ConfidentialError(
            ConfidentialErrorCode.CODE_EXPIRED, "no valid code: ask for a new one", "code"
        )
    if row.attempts >= MAX_ATTEMPTS:
        raise ConfidentialError(
            ConfidentialErrorCode.TOO_MANY_ATTEMPTS,
            "too many wrong codes: ask for a new one",
            "code",
        )
    if row.expires_at <= now:
        raise ConfidentialError(
            ConfidentialErrorCode.CODE_EXPIRED, "the code expired: ask for a new one", "code"
        )
    given = (code or "").strip()[:MAX_CODE]
    if not hmac.compare_digest(_hash(row.salt, given), row.code_hash):
        counted = await ConfidentialCode.filter(id=row.id, attempts__lt=MAX_ATTEMPTS).update(
            attempts=F("attempts") + 1
        )
        left = MAX_ATTEMPTS - row.attempts - 1
        if not counted or left <= 0:
            raise ConfidentialError(
                ConfidentialErrorCode.TOO_MANY_ATTEMPTS,
                "too many wrong codes: ask for a new one",
                "code",
            )
        raise ConfidentialError(
            ConfidentialErrorCode.INVALID_CODE, f"wrong code: {left} attempts left", "code"
        )
    if not await ConfidentialCode.filter(id=row.id, used_at=None).update(used_at=now):
        raise ConfidentialError(
            ConfidentialErrorCode.CODE_EXPIRED, "the code was already used", "code"
        )
    return await ConfidentialRead.create(
        confidential_id=conf.id,
        member_id=reader.member.id if reader.member else None,
        link_id=reader.link.id if reader.link else None,
        address=reader.address,
        session_id=reader.session_id,
        channel=row.channel,
        ip=reader.ip[:64],
        expires_at=now + timedelta(minutes=settings.confidential_view_minutes),
    )


async def verify_member_code(
    settings: Settings, member: Member, session_id: int | None, ip: str, entry_id: str, code: str
) -> tuple[MailboxEntry, ConfidentialRead]:
    entry, conf = await member_message(member, entry_id)
    read = await verify(settings, conf, Reader(member=member, session_id=session_id, ip=ip), code)
    return entry, read
