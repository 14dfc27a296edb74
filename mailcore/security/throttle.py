"""Failed-login throttling: per account and IP, and per IP across accounts.

``max failures`` failed attempts within the window lock the key for the lock time. Keys:
``m:<member id>|ip:<ip>`` (a known account from one IP), ``l:<hash>|ip:<ip>`` (an unknown
login from one IP) and ``ip:<ip>`` (everything from one IP). A successful login clears its
account key. Administrators see and clear account locks of their members.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.config import Settings
from mailcore.models import AdminPermission, DepartmentMember, LoginThrottle, Member
from mailcore.org.addresses import normalize_address
from mailcore.security.errors import SecurityError, SecurityErrorCode
from mailcore.security.scope import member_for


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_ip: int = 30
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            per_account=max(1, settings.login_max_failures),
            per_ip=max(1, settings.login_ip_max_failures),
            window=timedelta(minutes=max(1, settings.login_window_minutes)),
            lock=timedelta(minutes=max(1, settings.login_lock_minutes)),
        )


@dataclass(frozen=True)
class Lock:
    member: Member
    ip: str
    locked_until: datetime

    @property
    def retry_after(self) -> int:
        return retry_after(self.locked_until, datetime.now(UTC))


def account_key(member_id: int | None, login: str, ip: str) -> str:
    if member_id is not None:
        return f"m:{member_id}|ip:{ip}"
    digest = hashlib.sha256(normalize_address(login).encode("utf-8", "replace")).hexdigest()
    return f"l:{digest[:40]}|ip:{ip}"


def ip_key(ip: str) -> str:
    return f"ip:{ip}"


def retry_after(locked_until: datetime, now: datetime) -> int:
    return max(1, math.ceil((locked_until - now).total_seconds()))


async def check(member_id: int | None, login: str, ip: str) -> None:
    """Raise LOCKED (with the seconds to wait) when the account+IP or the IP is locked."""
    now = datetime.now(UTC)
    keys = [account_key(member_id, login, ip), ip_key(ip)]
    locks = await LoginThrottle.filter(key__in=keys, locked_until__gt=now).values_list(
        "key", "locked_until"
    )
    if not locks:
        return
    key, until = max(locks, key=lambda row: row[1])
    what = "this address" if key.startswith("ip:") else "this account from this address"
    seconds = retry_after(until, now)
    raise SecurityError(
        SecurityErrorCode.LOCKED,
        f"too many failed logins for {what}: try again in {seconds} seconds",
        retry_after=seconds,
    )


async def _count(key: str, limit: int, limits: Limits, now: datetime) -> None:
    row = await LoginThrottle.filter(key=key).first()
    if row is None:
        try:
            row = await LoginThrottle.create(key=key, failures=0, window_start=now)
        except IntegrityError:
            row = await LoginThrottle.get(key=key)
    if row.window_start <= now - limits.window:
        await LoginThrottle.filter(id=row.id, window_start=row.window_start).update(
            failures=0, window_start=now
        )
    await LoginThrottle.filter(id=row.id).update(failures=F("failures") + 1)
    failures = await LoginThrottle.filter(id=row.id).values_list("failures", flat=True)
    if failures and failures[0] >= limit:
        await LoginThrottle.filter(id=row.id).update(
            failures=0, window_start=now, locked_until=now + limits.lock
        )


async def failed(member_id: int | None, login: str, ip: str, limits: Limits) -> None:
    """Count one failed attempt against the account+IP and the IP."""
    now = datetime.now(UTC)
    await _count(account_key(member_id, login, ip), limits.per_account, limits, now)
    await _count(ip_key(ip), limits.per_ip, limits, now)


async def succeeded(member_id: int, ip: str) -> None:
    """A complete login clears the account's counter for that IP."""
    await LoginThrottle.filter(key=account_key(member_id, "", ip)).delete()


async def locked_accounts(scope: AdminScope) -> list[Lock]:
    """Accounts of the enterprise (within the admin's departments) locked right now."""
    scope.require(AdminPermission.SECURITY)
    now = datetime.now(UTC)
    rows = await LoginThrottle.filter(key__startswith="m:", locked_until__gt=now).values_list(
        "key", "locked_until"
    )
    parsed: list[tuple[int, str, datetime]] = []
    for key, until in rows:
        who, _, ip = key.partition("|ip:")
        if who[2:].isdigit():
            parsed.append((int(who[2:]), ip, until))
    members = {
        m.id: m
        for m in await Member.filter(
            id__in=[p[0] for p in parsed], enterprise_id=scope.enterprise_id
        )
    }
    if not scope.is_super:
        visible = set(
            await DepartmentMember.filter(
                member_id__in=list(members), department_id__in=list(scope.department_ids)
            ).values_list("member_id", flat=True)
        )
        members = {pk: m for pk, m in members.items() if pk in visible}
    locks = [Lock(members[pk], ip, until) for pk, ip, until in parsed if pk in members]
    return sorted(locks, key=lambda lock: (lock.member.email, lock.ip))


async def unlock(scope: AdminScope, email: str) -> tuple[Member, int]:
    """Clear every lock and failure count of a member; returns them and how many were cleared."""
    member = await member_for(scope, AdminPermission.SECURITY, email)
    async with in_transaction():
        cleared = await LoginThrottle.filter(key__startswith=f"m:{member.id}|").delete()
        await record(scope, "security.unlock", member.email, cleared=cleared)
    return member, cleared
