"""Login sessions: password check, opaque bearer tokens (stored hashed), logout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailcore.models import AuthSession, Member
from mailcore.org.errors import OrgError, OrgErrorCode
from mailcore.org.passwords import verify_password
from mailcore.org.service import find_member


@dataclass(frozen=True)
class Identity:
    """Who is calling: the member and the session their token belongs to."""

    member: Member
    session_id: int


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def check_password(email: str, password: str) -> Member:
    """The enabled member with that address (or alias) and password, else INVALID_CREDENTIALS."""
    member = await find_member(email) if email else None
    ok = await verify_password(member.password_hash if member else None, password)
    if member is None or not ok:
        raise OrgError(OrgErrorCode.INVALID_CREDENTIALS, "wrong address or password")
    if not member.enabled:
        raise OrgError(OrgErrorCode.ACCOUNT_DISABLED, "this account is disabled")
    return member


async def login(
    email: str, password: str, *, days: int = 30, client: str = "", ip: str = ""
) -> tuple[str, Member]:
    member = await check_password(email, password)
    token = secrets.token_urlsafe(32)
    await AuthSession.create(
        member=member,
        token_hash=_token_hash(token),
        client=client[:200],
        ip=ip[:64],
        expires_at=datetime.now(UTC) + timedelta(days=days),
    )
    return token, member


async def identify(token: str) -> Identity | None:
    """The identity behind a bearer token, or None if unknown, expired, revoked or disabled."""
    if not token or len(token) > 200:
        return None
    session = (
        await AuthSession.filter(token_hash=_token_hash(token), revoked=False)
        .select_related("member")
        .first()
    )
    if session is None or session.expires_at < datetime.now(UTC) or not session.member.enabled:
        return None
    return Identity(member=session.member, session_id=session.id)


async def logout(session_id: int) -> None:
    await AuthSession.filter(id=session_id).update(revoked=True)
