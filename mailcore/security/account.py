"""A member's own security: changing the password, and what protects their account."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from mailcore.core.events import Bus
from mailcore.core.models import AppPassword, Member
from mailcore.org.passwords import hash_password, verify_password
from mailcore.org.service import MIN_PASSWORD_LENGTH
from mailcore.org.sessions import revoke_other_sessions
from mailcore.security import apppasswords
from mailcore.security.errors import SecurityError, SecurityErrorCode, SecurityErrorReason
from mailcore.security.secondfactor import secure_login_on
from mailcore.security.wechat import binding_of

MAX_PASSWORD = 1024


@dataclass(frozen=True)
class SecurityStatus:
    secure_login: bool  # the company or the member requires a second factor
    totp_enabled: bool
    wechat_bound: bool
    must_change_password: bool
    app_passwords_required: bool  # mail clients must sign in with an app password


async def status(member: Member) -> SecurityStatus:
    return SecurityStatus(
        secure_login=await secure_login_on(member),
        totp_enabled=bool(member.totp_secret),
        wechat_bound=await binding_of(member.id) is not None,
        must_change_password=member.must_change_password,
        app_passwords_required=await apppasswords.required(member),
    )


def _check_new(old: str, new: str) -> None:
    if len(new) < MIN_PASSWORD_LENGTH:
        raise SecurityError(
            SecurityErrorCode.INVALID,
            f"the new password needs at least {MIN_PASSWORD_LENGTH} characters",
            "new",
            reason=SecurityErrorReason.PASSWORD_TOO_SHORT,
            limit=MIN_PASSWORD_LENGTH,
        )
    if len(new) > MAX_PASSWORD:
        raise SecurityError(
            SecurityErrorCode.INVALID,
            "the new password is too long",
            "new",
            reason=SecurityErrorReason.PASSWORD_TOO_LONG,
            limit=MAX_PASSWORD,
        )
    if new == old:
        raise SecurityError(
            SecurityErrorCode.INVALID,
            "the new password must differ from the old one",
            "new",
            reason=SecurityErrorReason.PASSWORD_UNCHANGED,
        )


async def change_password(
    member: Member, session_id: int | None, old: str, new: str, *, bus: Bus | None
) -> None:
    """Set a new password; the member's other sessions are signed out (announced on ``bus``)
    and their app passwords revoked (whoever had the old password may have made one)."""
    _check_new(old, new)
    if len(old) > MAX_PASSWORD or not await verify_password(member.password_hash, old):
        raise SecurityError(
            SecurityErrorCode.INVALID_CREDENTIALS, "the current password is wrong", "old"
        )
    digest = hash_password(new)
    async with in_transaction():
        await Member.filter(id=member.id).update(password_hash=digest, must_change_password=False)
        await AppPassword.filter(member_id=member.id).delete()
    await revoke_other_sessions(bus, member.id, session_id)


async def password_change_required(member_id: int) -> bool:
    flags = await Member.filter(id=member_id).values_list("must_change_password", flat=True)
    return bool(flags and flags[0])
