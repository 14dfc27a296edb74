"""When a login needs a second factor, and the tickets that wait for it.

Secure login (``Enterprise.secure_login`` or ``Member.secure_login``) asks for the WeChat
QR confirmation when the member has bound WeChat, else for a TOTP code. A member with TOTP
on is asked for a code even without secure login. A ticket is a random secret handed to
the waiting client; only its hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailcore.core.db import db_text
from mailcore.core.models import (
    ClientKind,
    Enterprise,
    Member,
    QrTicket,
    QrTicketStatus,
    SecondFactorMethod,
    WechatBinding,
)

TICKET_TTL = {
    SecondFactorMethod.WECHAT_QR: timedelta(minutes=2),
    SecondFactorMethod.TOTP: timedelta(minutes=5),
}
MAX_TICKET = 200
QR_PREFIX = "qiyou-login:"


@dataclass(frozen=True)
class Requirement:
    secure: bool  # secure login is on for this member
    method: SecondFactorMethod | None  # what to ask for (None with secure: nothing set up)

    @property
    def needed(self) -> bool:
        return self.secure or self.method is not None


async def secure_login_on(member: Member) -> bool:
    if member.secure_login:
        return True
    flags = await Enterprise.filter(id=member.enterprise_id).values_list("secure_login", flat=True)
    return bool(flags and flags[0])


async def requirement(member: Member) -> Requirement:
    secure = await secure_login_on(member)
    if secure and await WechatBinding.filter(member_id=member.id).exists():
        return Requirement(secure, SecondFactorMethod.WECHAT_QR)
    if member.totp_secret:
        return Requirement(secure, SecondFactorMethod.TOTP)
    return Requirement(secure, None)


def ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "replace")).hexdigest()


def qr_payload(ticket: str) -> str:
    """What the QR code shows: the mini-program reads the ticket from it."""
    return f"{QR_PREFIX}{ticket}"


async def open_ticket(
    member: Member, method: SecondFactorMethod, *, kind: ClientKind, ip: str, user_agent: str
) -> tuple[str, QrTicket]:
    now = datetime.now(UTC)
    await QrTicket.filter(expires_at__lt=now - timedelta(days=1)).delete()
    ticket = secrets.token_urlsafe(32)
    row = await QrTicket.create(
        ticket=ticket_hash(ticket),
        member_id=member.id,
        method=method,
        kind=kind,
        client=db_text(user_agent, 200),
        ip=db_text(ip, 64),
        expires_at=now + TICKET_TTL[method],
    )
    return ticket, row


async def find_ticket(ticket: str, method: SecondFactorMethod) -> QrTicket | None:
    """A live ticket (not expired, not finished) of that method, with its member."""
    if not ticket or len(ticket) > MAX_TICKET:
        return None
    ticket = ticket.removeprefix(QR_PREFIX)
    row = (
        await QrTicket.filter(ticket=ticket_hash(ticket), method=method)
        .select_related("member")
        .first()
    )
    if row is None or row.expires_at <= datetime.now(UTC):
        return None
    if row.status in (QrTicketStatus.EXPIRED, QrTicketStatus.DENIED):
        return None
    return row


def seconds_left(row: QrTicket) -> int:
    return max(0, int((row.expires_at - datetime.now(UTC)).total_seconds()))
