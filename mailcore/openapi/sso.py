"""Single sign-on: a one-time ticket (300 s) that an enterprise system turns into a login URL.

The app's system has already signed the member in, so redeeming the ticket opens a normal
web session without a password or a second factor; IP limits still apply to the browser
redeeming it, and the login is recorded in the login history. A ticket works once:
redeeming marks it used in the same UPDATE that checks it is unused and unexpired.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import ClientKind, Member, SsoTicket
from mailcore.openapi.credentials import digest
from mailcore.openapi.errors import OpenApiError, OpenApiErrorCode
from mailcore.org.sessions import start_session
from mailcore.security import history
from mailcore.security.history import LoginReason
from mailcore.security.iprules import ip_allowed

TICKET_SECONDS = 300


async def create_ticket(scope: AdminScope, member: Member) -> str:
    """A one-time ticket signing ``member`` in (stored hashed); never for an administrator."""
    scope.require_enterprise(member.enterprise_id)
    await scope.require_rank(member)
    now = datetime.now(UTC)
    await SsoTicket.filter(member_id=member.id, expires_at__lt=now).delete()
    ticket = secrets.token_urlsafe(32)
    await SsoTicket.create(
        ticket=digest(ticket), member=member, expires_at=now + timedelta(seconds=TICKET_SECONDS)
    )
    await record(scope, "sso.login_url", member.email)
    return ticket


async def redeem_ticket(
    ticket: str, *, days: int, user_agent: str = "", ip: str = ""
) -> tuple[str, Member]:
    """Exchange a ticket for a member session token (once, before it expires)."""
    invalid = OpenApiError(OpenApiErrorCode.INVALID_TICKET, "invalid or expired ticket")
    if not ticket or len(ticket) > 200:
        raise invalid
    key, now = digest(ticket), datetime.now(UTC)
    claimed = await SsoTicket.filter(ticket=key, used=False, expires_at__gt=now).update(used=True)
    if claimed != 1:
        raise invalid
    row = await SsoTicket.get(ticket=key).select_related("member")
    member = row.member

    async def log(success: bool, reason: LoginReason) -> None:
        await history.record(
            login=member.email,
            client=ClientKind.WEB,
            ip=ip,
            user_agent=user_agent,
            success=success,
            reason=reason,
            member=member,
        )

    if not member.enabled or member.deleted_at is not None:
        await log(False, LoginReason.DISABLED)
        raise invalid
    if not await ip_allowed(member, ip):
        await log(False, LoginReason.IP_NOT_ALLOWED)
        raise OpenApiError(OpenApiErrorCode.INVALID_TICKET, "sign-in is not allowed from here")
    token = await start_session(
        member, kind=ClientKind.WEB, client=f"sso {user_agent}", ip=ip, days=days
    )
    await log(True, LoginReason.SSO)
    return token, member
