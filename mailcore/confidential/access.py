"""Who may see what of a confidential message, and the guards of the read paths.

The sender's own copy is always open to them. A recipient's copy is locked until they
verify a one-time code: the GraphQL body is then open to the verifying session until the
opening expires (``QIYOU_CONFIDENTIAL_VIEW_MINUTES``); attachment downloads are open while
the member has any live opening. The raw message is never given to a recipient (it would
carry the body out of the clients that honour "no forwarding, no printing").
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from mailcore.core.config import Settings
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import (
    CodeChannel,
    ConfidentialMessage,
    ConfidentialRead,
    MailboxEntry,
    Member,
    Message,
    WechatBinding,
)
from mailcore.sms.sender import SmsError, e164
from mailcore.store.errors import MailError, MailErrorCode

NOTICE = (
    "这是一封保密邮件：请获取验证码（短信或微信）验证后查看。\n"
    "This message is confidential: ask for a one-time code (SMS or WeChat) and verify it "
    "to read the message."
)


def notice(subject: str) -> ParsedMessage:
    """What a locked copy shows in place of its body: a notice, no attachments."""
    return ParsedMessage(subject=subject, text=NOTICE, preview=NOTICE[:100])


async def confidential_of(message_pk: int) -> ConfidentialMessage | None:
    return await ConfidentialMessage.filter(message_id=message_pk).first()


async def confidential_by_message(message_pks: list[int]) -> dict[int, ConfidentialMessage]:
    """The confidential rows of several messages in one query (message pk → row)."""
    rows = await ConfidentialMessage.filter(message_id__in=message_pks)
    return {r.message_id: r for r in rows}


async def locked_for(member_id: int, message_pks: list[int]) -> set[int]:
    """Of these messages, the confidential ones ``member_id`` did not send: a mail client
    (IMAP, POP3) gets their stand-in, never their bytes."""
    if not message_pks:
        return set()
    found = await confidential_by_message(message_pks)
    return {pk for pk, conf in found.items() if conf.sender_id != member_id}


def stand_in(message: Message) -> bytes:
    """A confidential mail as a mail client may have it: its headers and the notice."""
    headers = {
        "From": _address(message.from_name, message.from_address),
        "Subject": message.subject,
        "Date": format_datetime(message.date) if message.date else "",
        "Message-ID": message.message_id or "",
    }
    mail = EmailMessage(policy=SMTP)
    for name, value in headers.items():
        try:
            if value:
                mail[name] = value
        except (ValueError, TypeError):  # a stored value no header can hold: left out
            continue
    mail["X-Qiyou-Confidential"] = "yes"
    mail.set_content(NOTICE)
    return mail.as_bytes()


def _address(name: str, address: str) -> str:
    try:
        return str(Address(display_name=name, addr_spec=address)) if address else ""
    except (ValueError, IndexError):
        return address


async def is_confidential(message_pk: int) -> bool:
    """For other features (rules forwarding, search snippets, translation): never pass the
    body of such a message on."""
    return await ConfidentialMessage.filter(message_id=message_pk).exists()


async def open_until(
    conf: ConfidentialMessage, member_id: int, session_id: int | None
) -> datetime | None:
    """Until when ``session_id`` of the member may see the body (None: locked)."""
    query = ConfidentialRead.filter(
        confidential_id=conf.id, member_id=member_id, expires_at__gt=datetime.now(UTC)
    )
    if session_id is not None:
        query = query.filter(session_id=session_id)
    read = await query.order_by("-expires_at").first()
    return read.expires_at if read else None


async def open_until_many(
    conf_ids: list[int], member_id: int, session_id: int | None
) -> dict[int, datetime]:
    """``open_until`` of several confidential messages in one query (confidential id →
    until when; those without a live opening are left out)."""
    if not conf_ids:
        return {}
    query = ConfidentialRead.filter(
        confidential_id__in=set(conf_ids), member_id=member_id, expires_at__gt=datetime.now(UTC)
    )
    if session_id is not None:
        query = query.filter(session_id=session_id)
    rows = await query.order_by("expires_at").values_list("confidential_id", "expires_at")
    return dict(rows)  # the latest expiry wins


async def locked(entry: MailboxEntry) -> bool:
    """A recipient's copy with no live opening (for the paths that have no session)."""
    conf = await confidential_of(entry.message_id)
    if conf is None or conf.sender_id == entry.member_id:
        return False
    return await open_until(conf, entry.member_id, None) is None


async def guard(entry: MailboxEntry, *, raw: bool = False) -> None:
    """Refuse a recipient's confidential copy to the session-less read paths (downloads,
    forwarding, IMAP): attachments while no opening is live, the raw message always."""
    conf = await confidential_of(entry.message_id)
    if conf is None or conf.sender_id == entry.member_id:
        return
    if raw:
        raise MailError(
            MailErrorCode.CONFIDENTIAL, "a confidential message cannot be downloaded", "id"
        )
    if await open_until(conf, entry.member_id, None) is None:
        raise MailError(
            MailErrorCode.CONFIDENTIAL, "this message is confidential: verify to read it", "id"
        )


def sms_configured(settings: Settings) -> bool:
    return bool(
        settings.sms_secret_id
        and settings.sms_secret_key
        and settings.sms_app_id
        and settings.sms_template_id
    )


def wechat_configured(settings: Settings) -> bool:
    return bool(settings.wechat_appid and settings.wechat_secret and settings.wechat_code_template)


def server_channels(settings: Settings) -> list[CodeChannel]:
    """The channels this server can send members a code on; none: members cannot verify."""
    found = [CodeChannel.SMS] if sms_configured(settings) else []
    return found + ([CodeChannel.WECHAT] if wechat_configured(settings) else [])


async def channels(settings: Settings, member: Member) -> list[CodeChannel]:
    """The channels the member can receive a code on (a mobile number, a bound WeChat)."""
    found = []
    if sms_configured(settings) and member.mobile:
        try:
            e164(member.mobile)
            found.append(CodeChannel.SMS)
        except SmsError:
            pass
    if wechat_configured(settings) and await WechatBinding.filter(member_id=member.id).exists():
        found.append(CodeChannel.WECHAT)
    return found
