"""Login sessions: password check, opaque bearer tokens (stored hashed), logout, revocation.

The login flow itself (lockouts, IP limits, second factors, history) is in
``mailcore.security.login``, which starts sessions here. A revoked session stays revoked (its
row is kept, flagged); every revocation is announced on the event bus (the runtime's, given
by the caller; None from the CLI) after it is stored, so each process closes the websockets of
the sessions it ended (``api.live_sockets``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailcore.core.events import Bus
from mailcore.core.models import AuthSession, ClientKind, Member
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
    """The enabled member with that address (or alias) and password, else INVALID_CREDENTIALS.

    A bare password check: protocols sign members in with ``mailcore.security.login``
    (``authenticate``), which adds lockouts, IP limits and the login history.
    """
    member = await find_member(email) if email else None
    ok = await verify_password(member.password_hash if member else None, password)
    if member is None or not ok:
        raise OrgError(OrgErrorCode.INVALID_CREDENTIALS, "wrong address or password")
    if not member.enabled or member.deleted_at is not None:
        raise OrgError(OrgErrorCode.ACCOUNT_DISABLED, "this account is disabled")
    return member


async def start_session(
    member: Member,
    *,
    kind: ClientKind = ClientKind.WEB,
    client: str = "",
    ip: str = "",
    days: int = 30,
) -> str:
    """A new bearer token for a member who has passed every login check.

    Only ``mailcore.security.login`` should call this: it checks passwords, lockouts, IP
    limits and second factors, and records the login.
    """
    token = secrets.token_urlsafe(32)
    await AuthSession.create(
        member=member,
        token_hash=_token_hash(token),
        kind=kind,
        client=client[:200],
        ip=ip[:64],
        expires_at=datetime.now(UTC) + timedelta(days=days),
    )
    return token


async def session_kind(session_id: int | None) -> ClientKind | None:
    """Which client a live session belongs to (None for an unknown or revoked session)."""
    if session_id is None:
        return None
    kinds = await AuthSession.filter(id=session_id, revoked=False).values_list("kind", flat=True)
    return ClientKind(kinds[0]) if kinds else None


async def revoke_other_sessions(
    bus: Bus | None, member_id: int, keep_session_id: int | None
) -> int:
    """Sign a member out everywhere but the given session (after a password change)."""
    query = AuthSession.filter(member_id=member_id, revoked=False)
    if keep_session_id is not None:
        query = query.exclude(id=keep_session_id)
    count = await query.update(revoked=True)
    if bus is not None:
        await bus.publish_sessions_revoked(member_id, keep_session_id=keep_session_id)
    return count


async def revoked_everywhere(bus: Bus | None, member_id: int) -> None:
    """Announce that all of a member's sessions were revoked (call it after the transaction
    that revoked them commits): every process closes their sockets."""
    if bus is not None:
        await bus.publish_sessions_revoked(member_id)


async def revoke_session(bus: Bus | None, session_id: int) -> None:
    """Revoke one session (logout, a deleted app password) and close its sockets everywhere."""
    member_ids = await AuthSession.filter(id=session_id).values_list("member_id", flat=True)
    await AuthSession.filter(id=session_id).update(revoked=True)
    if member_ids and bus is not None:
        await bus.publish_sessions_revoked(member_ids[0], session_id=session_id)


async def live_identity(session_id: int) -> Identity | None:
    """The identity of a session that is still valid (not revoked or expired, its member
    enabled), freshly loaded; None otherwise. For sockets re-checking a long-lived session."""
    session = (
        await AuthSession.filter(id=session_id, revoked=False).select_related("member").first()
    )
    return _valid(session)


async def live_session_ids(session_ids: Iterable[int]) -> set[int]:
    """Of these sessions, the ones still valid (not revoked or expired, member enabled and
    not deleted): one query per 500, for a process re-checking all its open sockets."""
    wanted, now, valid = sorted(set(session_ids)), datetime.now(UTC), set()
    for start in range(0, len(wanted), 500):
        valid.update(
            await AuthSession.filter(
                id__in=wanted[start : start + 500],
                revoked=False,
                expires_at__gt=now,
                member__enabled=True,
                member__deleted_at__isnull=True,
            ).values_list("id", flat=True)
        )
    return valid


def _valid(session: AuthSession | None) -> Identity | None:
    if session is None or session.expires_at < datetime.now(UTC):
        return None
    if not session.member.enabled or session.member.deleted_at is not None:
        return None
    return Identity(member=session.member, session_id=session.id)


async def identify(token: str) -> Identity | None:
    """The identity behind a bearer token, or None if unknown, expired, revoked or disabled."""
    if not token or len(token) > 200:
        return None
    session = (
        await AuthSession.filter(token_hash=_token_hash(token), revoked=False)
        .select_related("member")
        .first()
    )
    return _valid(session)


async def logout(bus: Bus | None, session_id: int) -> None:
    await revoke_session(bus, session_id)
