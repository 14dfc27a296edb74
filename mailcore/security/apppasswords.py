"""App passwords (客户端专用密码): secrets a member makes for one mail client each.

The server draws the secret (16 lowercase letters, shown once as four groups of four, about
75 bits) and keeps only its argon2 hash (the hasher of main passwords) and ``lookup``, four
hex digits of its SHA-256. A login whose password has the shape of an app password checks
only the member's app passwords with that lookup (almost always none or one), so a member
with 20 app passwords costs at most two slow hash checks per login, as one without.

App passwords sign in mail clients only (IMAP, POP3, SMTP: ``mailcore.security.login``),
never the web or the mini-program. When secure login is on for the member, or the
enterprise requires them, they are the only way a mail client signs in.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from mailcore.core.db import db_text
from mailcore.core.models import AppPassword, ClientKind, Enterprise, Member
from mailcore.org.passwords import hash_password, verify_password
from mailcore.security.errors import SecurityError, SecurityErrorCode, SecurityErrorReason

MAX_PER_MEMBER = 20
MAX_NAME = 64
GROUPS = 4
GROUP_SIZE = 4
SECRET_LENGTH = GROUPS * GROUP_SIZE
ALPHABET = string.ascii_lowercase
LOOKUP_DIGITS = 4


@dataclass(frozen=True)
class Created:
    row: AppPassword
    secret: str  # formatted for typing; shown once, never stored


def normalize(secret: str) -> str | None:
    """The 16 letters of a typed app password (spaces and dashes dropped, any case); None
    when the text cannot be one."""
    letters = "".join(secret.split()).replace("-", "").lower()
    if len(letters) != SECRET_LENGTH or not all(c in ALPHABET for c in letters):
        return None
    return letters


def lookup_of(letters: str) -> str:
    return hashlib.sha256(letters.encode("ascii")).hexdigest()[:LOOKUP_DIGITS]


def _draw() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))


def formatted(letters: str) -> str:
    return " ".join(letters[i : i + GROUP_SIZE] for i in range(0, SECRET_LENGTH, GROUP_SIZE))


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise SecurityError(
            SecurityErrorCode.INVALID,
            "give the app password a name",
            "name",
            reason=SecurityErrorReason.NAME_MISSING,
        )
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        raise SecurityError(
            SecurityErrorCode.INVALID,
            "the name has characters that cannot be shown",
            "name",
            reason=SecurityErrorReason.NAME_UNPRINTABLE,
        )
    if len(name) > MAX_NAME:
        raise SecurityError(
            SecurityErrorCode.INVALID,
            f"the name may have at most {MAX_NAME} characters",
            "name",
            reason=SecurityErrorReason.NAME_TOO_LONG,
            limit=MAX_NAME,
        )
    return db_text(name, MAX_NAME)


async def list_for(member: Member) -> list[AppPassword]:
    return await AppPassword.filter(member_id=member.id).order_by("-created_at", "-id")


async def create(member: Member, name: str) -> Created:
    name = _clean_name(name)
    if await AppPassword.filter(member_id=member.id).count() >= MAX_PER_MEMBER:
        raise SecurityError(
            SecurityErrorCode.LIMIT_REACHED,
            f"at most {MAX_PER_MEMBER} app passwords: revoke one you no longer use",
        )
    letters = _draw()
    row = await AppPassword.create(
        member_id=member.id,
        name=name,
        lookup=lookup_of(letters),
        secret_hash=hash_password(letters),
    )
    return Created(row=row, secret=formatted(letters))


async def revoke(member: Member, app_password_id: int) -> None:
    """Delete one of the member's own app passwords (another member's is not found)."""
    if not await AppPassword.filter(id=app_password_id, member_id=member.id).delete():
        raise SecurityError(SecurityErrorCode.NOT_FOUND, "no such app password", "id")


async def match(member: Member, password: str) -> AppPassword | None:
    """The member's app password that ``password`` is, if any."""
    letters = normalize(password)
    if letters is None:
        return None
    rows = await AppPassword.filter(member_id=member.id, lookup=lookup_of(letters))
    for row in rows:
        if await verify_password(row.secret_hash, letters):
            return row
    return None


async def mark_used(row: AppPassword, client: ClientKind, ip: str) -> None:
    await AppPassword.filter(id=row.id).update(
        last_used_at=datetime.now(UTC), last_used_ip=db_text(ip, 64), last_used_client=client
    )


async def required(member: Member) -> bool:
    """Mail clients must use an app password: secure login is on for the member (their own
    flag or the enterprise's), or the enterprise requires app passwords."""
    if member.secure_login:
        return True
    flags = await Enterprise.filter(id=member.enterprise_id).values_list(
        "secure_login", "app_passwords_required"
    )
    return bool(flags and any(flags[0]))
