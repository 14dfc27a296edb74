"""Login history: one ``LoginEvent`` per attempt, whichever protocol it came by."""

from __future__ import annotations

from enum import StrEnum

from mailcore.core.db import db_text
from mailcore.core.models import ClientKind, Domain, LoginEvent, Member
from mailcore.org.addresses import split_address


class LoginReason(StrEnum):
    """Why an attempt ended as it did (``LoginEvent.reason``)."""

    PASSWORD = "password"  # signed in with the password alone
    TOTP = "totp"  # ... and a TOTP code
    WECHAT_QR = "wechat_qr"  # ... and a QR code confirmed in the mini-program
    WECHAT_CODE = "wechat_code"  # ... in the mini-program, with the bound WeChat account
    SSO = "sso"  # through an open API single sign-on link (the app vouches for them)
    SECOND_FACTOR_PENDING = "second_factor_pending"
    BAD_PASSWORD = "bad_password"
    NO_SUCH_ACCOUNT = "no_such_account"
    DISABLED = "disabled"
    IP_NOT_ALLOWED = "ip_not_allowed"
    LOCKED = "locked"
    BAD_CODE = "bad_code"
    DENIED = "denied"  # the QR login was refused in the mini-program
    NO_SECOND_FACTOR = "no_second_factor"  # secure login is on but nothing is set up
    PASSWORD_CHANGE_REQUIRED = "password_change_required"
    APP_PASSWORD = "app_password"  # a mail client signed in with an app password
    APP_PASSWORD_REQUIRED = "app_password_required"  # the main password, where it may not
    PROTOCOL_DISABLED = "protocol_disabled"  # IMAP or POP (and so SMTP) is off for them


async def _enterprise_of(login: str) -> int | None:
    """The enterprise hosting the domain of an unknown login, so its admins see the attempt."""
    _, domain = split_address(login)
    if not domain:
        return None
    row = await Domain.filter(name=domain).values_list("enterprise_id", flat=True)
    return row[0] if row else None


async def record(
    *,
    login: str,
    client: ClientKind,
    ip: str,
    user_agent: str,
    success: bool,
    reason: LoginReason,
    member: Member | None = None,
) -> LoginEvent:
    return await LoginEvent.create(
        enterprise_id=member.enterprise_id if member else await _enterprise_of(login),
        member_id=member.id if member else None,
        login=db_text(login, 320),
        client=client,
        user_agent=db_text(user_agent, 200),
        ip=db_text(ip, 64),
        success=success,
        reason=reason.value,
    )
