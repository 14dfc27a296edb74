"""Signing in, for every protocol: one place checks lockouts, passwords, account state and
IP limits, asks for a second factor where one is due, starts the session and records the
attempt in the login history.

- ``authenticate`` is for mail protocols (SMTP AUTH, IMAP, POP3): a password login with
  every check but no second factor. It also takes app passwords
  (``mailcore.security.apppasswords``), and only them where secure login is on or the
  enterprise requires them; it keeps to the member's IMAP/POP switches.
- ``sign_in`` is for the web and the mini-program: it returns a session, or a challenge
  (a ticket) when a second factor is due; ``complete_totp`` finishes a TOTP challenge and
  ``mailcore.security.qrlogin`` a WeChat one.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.core.config import Settings
from mailcore.core.models import AppPassword, ClientKind, Member, QrTicket, SecondFactorMethod
from mailcore.org.passwords import verify_password
from mailcore.org.service import find_member
from mailcore.org.sessions import start_session
from mailcore.security import apppasswords, history, throttle, totp, wechat
from mailcore.security.errors import SecurityError, SecurityErrorCode, SecurityErrorReason
from mailcore.security.history import LoginReason
from mailcore.security.iprules import ip_allowed
from mailcore.security.secondfactor import (
    find_ticket,
    open_ticket,
    qr_payload,
    requirement,
    seconds_left,
)
from mailcore.security.throttle import Limits

MAX_CREDENTIAL = 1024
MAX_TICKET_ATTEMPTS = 5


@dataclass(frozen=True)
class Attempt:
    login: str
    password: str
    client: ClientKind
    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class SignedIn:
    token: str
    member: Member

    @property
    def must_change_password(self) -> bool:
        return self.member.must_change_password


@dataclass(frozen=True)
class Challenge:
    ticket: str
    method: SecondFactorMethod
    expires_in: int
    qr_text: str | None  # what the QR code shows (WeChat), None for TOTP


async def _record(
    attempt: Attempt, reason: LoginReason, member: Member | None, *, success: bool = False
) -> None:
    await history.record(
        login=attempt.login,
        client=attempt.client,
        ip=attempt.ip,
        user_agent=attempt.user_agent,
        success=success,
        reason=reason,
        member=member,
    )


async def _refuse(
    attempt: Attempt, reason: LoginReason, error: SecurityError, member: Member | None = None
) -> SecurityError:
    """Record a refused attempt; returns the error for the caller to raise."""
    await _record(attempt, reason, member)
    return error


@dataclass(frozen=True)
class Proof:
    member: Member
    app_password: AppPassword | None  # None: the main password


async def verify(attempt: Attempt, limits: Limits) -> Member:
    """Lockout, password, account state and IP limits; failures are recorded and raised."""
    return (await _prove(attempt, limits, app_passwords=False)).member


async def _prove(attempt: Attempt, limits: Limits, *, app_passwords: bool) -> Proof:
    """``verify``, taking the member's app passwords too when ``app_passwords``."""
    for value, field in ((attempt.login, "email"), (attempt.password, "password")):
        if len(value) > MAX_CREDENTIAL:
            raise SecurityError(
                SecurityErrorCode.INVALID,
                f"{field} is too long",
                field,
                reason=SecurityErrorReason.TOO_LONG,
                limit=MAX_CREDENTIAL,
            )
    member = await find_member(attempt.login) if attempt.login else None
    member_id = member.id if member else None
    try:
        await throttle.attempt(member_id, attempt.login, attempt.ip, limits)
    except SecurityError as exc:
        raise await _refuse(attempt, LoginReason.LOCKED, exc, member) from None
    app = await apppasswords.match(member, attempt.password) if member and app_passwords else None
    ok = app is not None or await verify_password(
        member.password_hash if member else None, attempt.password
    )
    if member is None or not ok:
        await throttle.confirm_failure(member_id, attempt.login, attempt.ip, limits)
        reason = LoginReason.BAD_PASSWORD if member else LoginReason.NO_SUCH_ACCOUNT
        error = SecurityError(
            SecurityErrorCode.INVALID_CREDENTIALS, "wrong address or password", "password"
        )
        raise await _refuse(attempt, reason, error, member)
    await throttle.uncount(member_id, attempt.login, attempt.ip)
    if not member.enabled or member.deleted_at is not None:
        error = SecurityError(SecurityErrorCode.ACCOUNT_DISABLED, "this account is disabled")
        raise await _refuse(attempt, LoginReason.DISABLED, error, member)
    if not await ip_allowed(member, attempt.ip):
        error = SecurityError(
            SecurityErrorCode.IP_NOT_ALLOWED,
            f"signing in from {attempt.ip or 'this address'} is not allowed for this account",
        )
        raise await _refuse(attempt, LoginReason.IP_NOT_ALLOWED, error, member)
    return Proof(member, app)


async def _succeed(
    member: Member, client: ClientKind, ip: str, user_agent: str, reason: LoginReason
) -> None:
    await throttle.succeeded(member.id, ip)
    await history.record(
        login=member.email,
        client=client,
        ip=ip,
        user_agent=user_agent,
        success=True,
        reason=reason,
        member=member,
    )


async def sign_in_client(attempt: Attempt, settings: Settings) -> ClientLogin:
    """A mail-protocol login (SMTP AUTH, IMAP, POP3): every check but a second factor.

    The password is the member's own or one of their app passwords. Refused: a protocol
    switched off for the member, a member who must change their password (on the web
    first), and the main password where app passwords are required.
    """
    proof = await _prove(attempt, Limits.from_settings(settings), app_passwords=True)
    member = proof.member
    if not protocol_allowed(member, attempt.client):
        error = SecurityError(
            SecurityErrorCode.PROTOCOL_DISABLED,
            f"{attempt.client.value.upper()} is turned off for this account",
        )
        raise await _refuse(attempt, LoginReason.PROTOCOL_DISABLED, error, member)
    if member.must_change_password:
        error = SecurityError(
            SecurityErrorCode.PASSWORD_CHANGE_REQUIRED,
            "change your password in webmail before using a mail client",
        )
        raise await _refuse(attempt, LoginReason.PASSWORD_CHANGE_REQUIRED, error, member)
    if proof.app_password is None and await apppasswords.required(member):
        error = SecurityError(
            SecurityErrorCode.APP_PASSWORD_REQUIRED,
            "mail clients need an app password for this account:"
            " create one in webmail (Settings, app passwords)",
        )
        raise await _refuse(attempt, LoginReason.APP_PASSWORD_REQUIRED, error, member)
    reason = LoginReason.PASSWORD
    if proof.app_password is not None:
        await apppasswords.mark_used(proof.app_password, attempt.client, attempt.ip)
        reason = LoginReason.APP_PASSWORD
    await _succeed(member, attempt.client, attempt.ip, attempt.user_agent, reason)
    app_password_id = proof.app_password.id if proof.app_password is not None else None
    return ClientLogin(member, attempt.client, app_password_id, member.password_hash)


async def authenticate(attempt: Attempt, settings: Settings) -> Member:
    """``sign_in_client`` for a caller that keeps no session (SMTP AUTH: each message is
    checked again)."""
    return (await sign_in_client(attempt, settings)).member


@dataclass(frozen=True)
class ClientLogin:
    """A mail client's login (IMAP, POP3), to check again while its session lasts."""

    member: Member
    client: ClientKind
    app_password_id: int | None  # None: signed in with the main password
    password_hash: str


async def still_signed_in(login: ClientLogin) -> bool:
    """May a mail-client session that signed in as ``login`` go on? Not once the member is
    disabled or deleted, the protocol is switched off for them, their password changed,
    the app password it used is revoked, or app passwords became required of a session
    signed in with the main password."""
    member = await Member.filter(id=login.member.id).first()
    if member is None or not member.enabled or member.deleted_at is not None:
        return False
    if not protocol_allowed(member, login.client) or member.password_hash != login.password_hash:
        return False
    if login.app_password_id is not None:
        return await AppPassword.filter(id=login.app_password_id, member_id=member.id).exists()
    return not await apppasswords.required(member)


def protocol_allowed(member: Member, client: ClientKind) -> bool:
    """The member's IMAP/POP switches (open API useroption 2 and 3); SMTP rides on either."""
    if client is ClientKind.IMAP:
        return member.imap_enabled
    if client is ClientKind.POP3:
        return member.pop_enabled
    if client is ClientKind.SMTP:
        return member.imap_enabled or member.pop_enabled
    return True


async def finish(
    member: Member,
    *,
    kind: ClientKind,
    ip: str,
    user_agent: str,
    reason: LoginReason,
    settings: Settings,
) -> SignedIn:
    """Every check passed: start the session and record the login."""
    token = await start_session(
        member, kind=kind, client=user_agent, ip=ip, days=settings.session_days
    )
    await _succeed(member, kind, ip, user_agent, reason)
    return SignedIn(token=token, member=member)


async def _with_wechat_code(
    attempt: Attempt, member: Member, code: str, settings: Settings, *, first_binding: bool
) -> SignedIn:
    """A mini-program login proven by its WeChat account (binding it on first use)."""
    identity = await wechat.exchange(settings, code)
    if first_binding:
        await wechat.create_binding(member, identity)
    else:
        binding = await wechat.binding_of(member.id)
        if binding is None or binding.openid != identity.openid:
            await throttle.failed(
                member.id, attempt.login, attempt.ip, Limits.from_settings(settings)
            )
            error = SecurityError(
                SecurityErrorCode.WECHAT_MISMATCH,
                "this WeChat account is not the one bound to the mailbox",
                "wechatCode",
            )
            raise await _refuse(attempt, LoginReason.BAD_CODE, error, member)
    return await finish(
        member,
        kind=attempt.client,
        ip=attempt.ip,
        user_agent=attempt.user_agent,
        reason=LoginReason.WECHAT_CODE,
        settings=settings,
    )


async def sign_in(
    attempt: Attempt, settings: Settings, *, wechat_code: str | None = None
) -> SignedIn | Challenge:
    """A web or mini-program login: a session, or a challenge for the second factor."""
    member = await verify(attempt, Limits.from_settings(settings))
    need = await requirement(member)
    if not need.needed:
        return await finish(
            member,
            kind=attempt.client,
            ip=attempt.ip,
            user_agent=attempt.user_agent,
            reason=LoginReason.PASSWORD,
            settings=settings,
        )
    wechat_factor = need.method is SecondFactorMethod.WECHAT_QR or need.method is None
    if attempt.client is ClientKind.MINIPROGRAM and wechat_code and wechat_factor:
        return await _with_wechat_code(
            attempt, member, wechat_code, settings, first_binding=need.method is None
        )
    if need.method is None:
        error = SecurityError(
            SecurityErrorCode.SECOND_FACTOR_UNAVAILABLE,
            "secure login is on: sign in once in the WeChat mini-program to bind WeChat",
        )
        raise await _refuse(attempt, LoginReason.NO_SECOND_FACTOR, error, member)
    ticket, row = await open_ticket(
        member, need.method, kind=attempt.client, ip=attempt.ip, user_agent=attempt.user_agent
    )
    await _record(attempt, LoginReason.SECOND_FACTOR_PENDING, member)
    wechat_qr = need.method is SecondFactorMethod.WECHAT_QR
    return Challenge(
        ticket=ticket,
        method=need.method,
        expires_in=seconds_left(row),
        qr_text=qr_payload(ticket) if wechat_qr else None,
    )


async def complete_totp(
    ticket: str, code: str, settings: Settings, *, ip: str, user_agent: str
) -> SignedIn:
    """Finish a TOTP challenge with a code from the member's authenticator app."""
    row = await find_ticket(ticket, SecondFactorMethod.TOTP)
    if row is None:
        raise SecurityError(
            SecurityErrorCode.TICKET_EXPIRED, "this login has expired: sign in again", "ticket"
        )
    member: Member = row.member
    attempt = Attempt(member.email, "", row.kind, ip, user_agent)
    if not member.enabled or member.deleted_at is not None:
        error = SecurityError(SecurityErrorCode.ACCOUNT_DISABLED, "this account is disabled")
        raise await _refuse(attempt, LoginReason.DISABLED, error, member)
    if not await ip_allowed(member, ip):
        error = SecurityError(
            SecurityErrorCode.IP_NOT_ALLOWED, f"signing in from {ip} is not allowed"
        )
        raise await _refuse(attempt, LoginReason.IP_NOT_ALLOWED, error, member)
    limits = Limits.from_settings(settings)
    try:
        await throttle.attempt(member.id, member.email, ip, limits)
    except SecurityError as exc:
        raise await _refuse(attempt, LoginReason.LOCKED, exc, member) from None
    if not await totp.verify(member, code):
        await _count_bad_code(row, attempt, limits)
        error = SecurityError(
            SecurityErrorCode.INVALID_CODE,
            "wrong or used code",
            "code",
            reason=SecurityErrorReason.CODE_WRONG,
        )
        raise await _refuse(attempt, LoginReason.BAD_CODE, error, member)
    await throttle.uncount(member.id, member.email, ip)
    if not await QrTicket.filter(id=row.id).delete():
        raise SecurityError(
            SecurityErrorCode.TICKET_EXPIRED, "this login is already done", "ticket"
        )
    return await finish(
        member,
        kind=row.kind,
        ip=ip,
        user_agent=user_agent,
        reason=LoginReason.TOTP,
        settings=settings,
    )


async def _count_bad_code(row: QrTicket, attempt: Attempt, limits: Limits) -> None:
    await throttle.confirm_failure(row.member_id, attempt.login, attempt.ip, limits)
    if row.attempts + 1 >= MAX_TICKET_ATTEMPTS:
        await QrTicket.filter(id=row.id).delete()
    else:
        await QrTicket.filter(id=row.id).update(attempts=row.attempts + 1)
