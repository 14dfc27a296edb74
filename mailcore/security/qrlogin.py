"""WeChat QR login (A16): the browser waits on a ticket, the mini-program confirms it.

The member scans the QR code in the mini-program (``scan``: SCANNED), then approves or
refuses (``confirm``). Only a mini-program session of the same member with a bound
WeChat account may do either. The waiting browser follows the ticket with ``watch``; on
approval the first watcher claims the ticket (it is deleted) and gets a new session
token, so a ticket yields at most one session, and the token never travels on the bus (the
runtime's, which the callers pass in).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from mailcore.core.config import Settings
from mailcore.core.events import Bus
from mailcore.core.models import ClientKind, Member, QrTicket, QrTicketStatus, SecondFactorMethod
from mailcore.org.sessions import session_kind
from mailcore.security.errors import SecurityError, SecurityErrorCode
from mailcore.security.history import LoginReason, record
from mailcore.security.login import finish
from mailcore.security.secondfactor import find_ticket
from mailcore.security.wechat import binding_of

QR_LOGIN = "qr_login"  # event kind on the member's channel
OPEN = (QrTicketStatus.PENDING, QrTicketStatus.SCANNED)


@dataclass(frozen=True)
class QrState:
    status: QrTicketStatus
    token: str | None = None
    must_change_password: bool = False


async def _ticket_for_device(member: Member, session_id: int | None, ticket: str) -> QrTicket:
    """The open ticket, if the caller is the member's WeChat-bound mini-program session."""
    if await session_kind(session_id) is not ClientKind.MINIPROGRAM:
        raise SecurityError(
            SecurityErrorCode.MINIPROGRAM_REQUIRED, "confirm logins in the WeChat mini-program"
        )
    if await binding_of(member.id) is None:
        raise SecurityError(SecurityErrorCode.WECHAT_NOT_BOUND, "bind WeChat first")
    row = await find_ticket(ticket, SecondFactorMethod.WECHAT_QR)
    if row is None or row.member_id != member.id or row.status not in OPEN:
        # Another member's ticket looks the same as an unknown one.
        raise SecurityError(
            SecurityErrorCode.TICKET_EXPIRED, "this QR code has expired or is not yours", "ticket"
        )
    return row


async def _set(bus: Bus, row: QrTicket, status: QrTicketStatus) -> bool:
    changed = await QrTicket.filter(id=row.id, status__in=list(OPEN)).update(status=status)
    if changed:
        row.status = status
        await bus.publish(row.member_id, QR_LOGIN, ticket=row.ticket, status=status.value)
    return bool(changed)


async def scan(bus: Bus, member: Member, session_id: int | None, ticket: str) -> QrTicket:
    """The mini-program read the QR code: the browser shows "scanned, confirm on the phone"."""
    row = await _ticket_for_device(member, session_id, ticket)
    if row.status is QrTicketStatus.PENDING:
        await _set(bus, row, QrTicketStatus.SCANNED)
    return row


async def confirm(
    bus: Bus, member: Member, session_id: int | None, ticket: str, approve: bool
) -> QrTicket:
    row = await _ticket_for_device(member, session_id, ticket)
    status = QrTicketStatus.APPROVED if approve else QrTicketStatus.DENIED
    if not await _set(bus, row, status):
        raise SecurityError(SecurityErrorCode.TICKET_EXPIRED, "this QR code has expired", "ticket")
    if not approve:
        await record(
            login=member.email,
            client=row.kind,
            ip=row.ip,
            user_agent=row.client,
            success=False,
            reason=LoginReason.DENIED,
            member=member,
        )
    return row


async def _claim(row: QrTicket, settings: Settings) -> QrState:
    """Turn an approved ticket into a session, once."""
    if not await QrTicket.filter(id=row.id, status=QrTicketStatus.APPROVED).delete():
        return QrState(QrTicketStatus.EXPIRED)
    member = await Member.get(id=row.member_id)
    if not member.enabled or member.deleted_at is not None:
        return QrState(QrTicketStatus.DENIED)
    signed = await finish(
        member,
        kind=row.kind,
        ip=row.ip,
        user_agent=row.client,
        reason=LoginReason.WECHAT_QR,
        settings=settings,
    )
    return QrState(QrTicketStatus.APPROVED, signed.token, signed.must_change_password)


async def _wait(stream: AsyncIterator[dict], key: str) -> None:
    async for event in stream:
        if event.get("kind") == QR_LOGIN and event.get("ticket") == key:
            return
    await asyncio.Event().wait()  # the stream ended: wait for the timeout


async def watch(bus: Bus, ticket: str, settings: Settings) -> AsyncIterator[QrState]:
    """The ticket's status as it changes; ends with APPROVED (and a token), DENIED or EXPIRED."""
    row = await find_ticket(ticket, SecondFactorMethod.WECHAT_QR) if ticket else None
    if row is None:
        yield QrState(QrTicketStatus.EXPIRED)
        return
    shown: QrTicketStatus | None = None
    async with bus.subscribe(row.member_id) as stream:
        while True:
            current = await QrTicket.filter(id=row.id).first()
            if current is None:  # claimed by another watcher, or purged
                yield QrState(QrTicketStatus.EXPIRED)
                return
            if current.status is QrTicketStatus.APPROVED:
                yield await _claim(current, settings)
                return
            if current.status is QrTicketStatus.DENIED:
                await QrTicket.filter(id=current.id).delete()
                yield QrState(QrTicketStatus.DENIED)
                return
            left = (current.expires_at - datetime.now(UTC)).total_seconds()
            if left <= 0 or current.status is QrTicketStatus.EXPIRED:
                await _set(bus, current, QrTicketStatus.EXPIRED)
                yield QrState(QrTicketStatus.EXPIRED)
                return
            if current.status != shown:
                shown = current.status
                yield QrState(current.status)
            try:
                await asyncio.wait_for(_wait(stream, current.ticket), left + 0.2)
            except TimeoutError:
                continue
