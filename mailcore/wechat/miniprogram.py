"""Signing in from the mini-program with WeChat alone, binding on first use.

``wechat_login`` exchanges a ``wx.login`` code: a bound WeChat account gets a
mini-program session at once, an unknown one gets a bind ticket (10 minutes, only its
hash is stored). ``bind_with_password`` redeems the ticket with the member's address and
password (and a TOTP code when the member has TOTP on): every check of a password login
applies (lockouts, disabled accounts, IP rules, the login history).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailcore.core.config import Settings
from mailcore.core.models import ClientKind, Member, WechatBinding, WechatBindTicket
from mailcore.security import throttle, totp, wechat
from mailcore.security.errors import SecurityError, SecurityErrorCode
from mailcore.security.history import LoginReason, record
from mailcore.security.iprules import ip_allowed
from mailcore.security.login import Attempt, SignedIn, finish, verify
from mailcore.security.throttle import Limits
from mailcore.wechat.client import WechatSession

BIND_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_TICKET = 200


@dataclass(frozen=True)
class BindRequired:
    ticket: str
    expires_in: int


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "replace")).hexdigest()


async def _sign_in_bound(member: Member, settings: Settings, ip: str, user_agent: str) -> SignedIn:
    attempt = Attempt(member.email, "", ClientKind.MINIPROGRAM, ip, user_agent)

    async def refuse(reason: LoginReason, error: SecurityError) -> SecurityError:
        await record(
            login=member.email,
            client=ClientKind.MINIPROGRAM,
            ip=ip,
            user_agent=user_agent,
            success=False,
            reason=reason,
            member=member,
        )
        return error

    if not member.enabled or member.deleted_at is not None:
        error = SecurityError(SecurityErrorCode.ACCOUNT_DISABLED, "this account is disabled")
        raise await refuse(LoginReason.DISABLED, error)
    try:
        await throttle.check(member.id, attempt.login, ip)
    except SecurityError as exc:
        raise await refuse(LoginReason.LOCKED, exc) from None
    if not await ip_allowed(member, ip):
        error = SecurityError(
            SecurityErrorCode.IP_NOT_ALLOWED,
            f"signing in from {ip or 'this address'} is not allowed for this account",
        )
        raise await refuse(LoginReason.IP_NOT_ALLOWED, error)
    return await finish(
        member,
        kind=ClientKind.MINIPROGRAM,
        ip=ip,
        user_agent=user_agent,
        reason=LoginReason.WECHAT_CODE,
        settings=settings,
    )


async def wechat_login(
    settings: Settings, code: str, *, ip: str = "", user_agent: str = ""
) -> SignedIn | BindRequired:
    """A session for the member bound to this WeChat account, or a ticket to bind one."""
    identity = await wechat.exchange(settings, code)
    binding = await WechatBinding.filter(openid=identity.openid).first()
    if binding is not None:
        member = await Member.get(id=binding.member_id)
        return await _sign_in_bound(member, settings, ip, user_agent)
    now = datetime.now(UTC)
    await WechatBindTicket.filter(expires_at__lt=now).delete()
    ticket = secrets.token_urlsafe(24)
    await WechatBindTicket.create(
        ticket_hash=_hash(ticket),
        openid=identity.openid,
        unionid=identity.unionid,
        expires_at=now + BIND_TTL,
    )
    return BindRequired(ticket=ticket, expires_in=int(BIND_TTL.total_seconds()))


async def _open_ticket(ticket: str) -> WechatBindTicket:
    row = None
    if ticket and len(ticket) <= MAX_TICKET:
        row = await WechatBindTicket.filter(
            ticket_hash=_hash(ticket), expires_at__gt=datetime.now(UTC)
        ).first()
    if row is None:
        raise SecurityError(
            SecurityErrorCode.TICKET_EXPIRED,
            "this binding has expired: open the mini-program again",
            "ticket",
        )
    return row


async def bind_with_password(
    settings: Settings,
    ticket: str,
    email: str,
    password: str,
    *,
    code: str | None = None,
    ip: str = "",
    user_agent: str = "",
) -> SignedIn:
    """Bind the ticket's WeChat account to the member proven by the password; sign in."""
    row = await _open_ticket(ticket)
    attempt = Attempt(email, password, ClientKind.MINIPROGRAM, ip, user_agent)
    try:
        member = await verify(attempt, Limits.from_settings(settings))
    except SecurityError:
        await _count_attempt(row)
        raise
    if member.totp_secret:
        if not code:
            raise SecurityError(
                SecurityErrorCode.INVALID_CODE, "enter the code of your authenticator app", "code"
            )
        if not await totp.verify(member, code):
            await _count_attempt(row)
            await throttle.failed(member.id, email, ip, Limits.from_settings(settings))
            raise SecurityError(SecurityErrorCode.INVALID_CODE, "wrong or used code", "code")
    if not await WechatBindTicket.filter(id=row.id).delete():
        raise SecurityError(
            SecurityErrorCode.TICKET_EXPIRED, "this binding is already done", "ticket"
        )
    await wechat.create_binding(member, WechatSession(row.openid, "", row.unionid))
    return await finish(
        member,
        kind=ClientKind.MINIPROGRAM,
        ip=ip,
        user_agent=user_agent,
        reason=LoginReason.WECHAT_CODE,
        settings=settings,
    )


async def _count_attempt(row: WechatBindTicket) -> None:
    if row.attempts + 1 >= MAX_ATTEMPTS:
        await WechatBindTicket.filter(id=row.id).delete()
    else:
        await WechatBindTicket.filter(id=row.id).update(attempts=row.attempts + 1)
