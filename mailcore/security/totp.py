"""TOTP second factor (RFC 6238, pyotp): enrol, confirm, verify without replays.

A code is accepted for the current 30-second step and one step either side. Each step can
be used once per member (``TotpState.last_step``), so an overheard code cannot be reused.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

import pyotp
from tortoise.transactions import in_transaction

from mailcore.core.models import Member, TotpState
from mailcore.security.errors import SecurityError, SecurityErrorCode, SecurityErrorReason
from mailcore.security.qr import png_base64

ISSUER = "Qiyou"
STEP = 30
WINDOW = 1  # steps either side


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_png: str


def _clean(code: str) -> str:
    digits = (code or "").replace(" ", "").strip()
    if len(digits) != 6 or not digits.isdigit():
        raise SecurityError(
            SecurityErrorCode.INVALID_CODE,
            "a code has 6 digits",
            "code",
            reason=SecurityErrorReason.CODE_FORMAT,
            limit=6,
        )
    return digits


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code this is (current step ±1), or None."""
    totp = pyotp.TOTP(secret, interval=STEP)
    current = int((time.time() if now is None else now) // STEP)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


async def _use(member_id: int, secret: str, code: str) -> bool:
    """Accept a code once: its step must be later than the last step used."""
    step = matching_step(secret, _clean(code))
    if step is None:
        return False
    state, _ = await TotpState.get_or_create(member_id=member_id)
    used = await TotpState.filter(id=state.id, last_step__lt=step).update(last_step=step)
    return used == 1


async def setup(member: Member) -> Enrolment:
    """A new secret to scan into an authenticator app; it counts once confirmed."""
    secret = pyotp.random_base32()
    state, _ = await TotpState.get_or_create(member_id=member.id)
    await TotpState.filter(id=state.id).update(pending_secret=secret)
    uri = pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=member.email, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri, qr_png=png_base64(uri))


async def enable(member: Member, code: str) -> None:
    """Confirm the pending secret with a code from the app: TOTP is on from now."""
    state = await TotpState.filter(member_id=member.id).first()
    if state is None or not state.pending_secret:
        raise SecurityError(
            SecurityErrorCode.INVALID,
            "set up TOTP first",
            "code",
            reason=SecurityErrorReason.TOTP_NOT_SET_UP,
        )
    if not await _use(member.id, state.pending_secret, code):
        raise SecurityError(
            SecurityErrorCode.INVALID_CODE,
            "wrong or used code",
            "code",
            reason=SecurityErrorReason.CODE_WRONG,
        )
    async with in_transaction():
        await Member.filter(id=member.id).update(totp_secret=state.pending_secret)
        await TotpState.filter(id=state.id).update(pending_secret="")


async def disable(member: Member, code: str) -> None:
    if not member.totp_secret:
        raise SecurityError(SecurityErrorCode.TOTP_NOT_ENABLED, "TOTP is not on", "code")
    if not await verify(member, code):
        raise SecurityError(
            SecurityErrorCode.INVALID_CODE,
            "wrong or used code",
            "code",
            reason=SecurityErrorReason.CODE_WRONG,
        )
    await Member.filter(id=member.id).update(totp_secret="")


async def verify(member: Member, code: str) -> bool:
    """A current, unused code of the member's confirmed secret."""
    if not member.totp_secret:
        return False
    return await _use(member.id, member.totp_secret, code)
