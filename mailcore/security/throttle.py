"""Failed-login throttling: per account and IP, and per IP across accounts.

``max failures`` failed attempts within the window lock the key for the lock time. Keys:
``m:<member id>|ip:<ip>`` (a known account from one IP), ``l:<hash>|ip:<ip>`` (an unknown
login from one IP) and ``ip:<ip>`` (everything from one IP). A successful login clears its
account key. Administrators see and clear account locks of their members.

An attempt is counted before its secret is verified (``attempt``), so parallel attempts
cannot all pass a check made before any of them was counted; a right secret is uncounted.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.connection import get_connections
from tortoise.transactions import in_transaction

from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.config import Settings
from mailcore.core.models import AdminPermission, DepartmentMember, LoginThrottle, Member
from mailcore.core.sqlwork import postgres_sql, python_value
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


def _locked(key: str, until: datetime, now: datetime) -> SecurityError:
    what = "this address" if key.startswith("ip:") else "this account from this address"
    seconds = retry_after(until, now)
    return SecurityError(
        SecurityErrorCode.LOCKED,
        f"too many failed logins for {what}: try again in {seconds} seconds",
        retry_after=seconds,
    )


async def check(member_id: int | None, login: str, ip: str) -> None:
    """Raise LOCKED (with the seconds to wait) when the account+IP or the IP is locked.

    Only for sign-ins proven without a password or code (a bound WeChat account): anything
    that verifies a secret goes through ``attempt`` instead."""
    now = datetime.now(UTC)
    keys = [account_key(member_id, login, ip), ip_key(ip)]
    locks = await LoginThrottle.filter(key__in=keys, locked_until__gt=now).values_list(
        "key", "locked_until"
    )
    if locks:
        key, until = max(locks, key=lambda row: row[1])
        raise _locked(key, until, now)


# One statement per key, atomic on SQLite and PostgreSQL alike (SET reads the old row): a
# locked key stays as it is; an expired lock or window starts over at 1; otherwise +1.
_COUNT = """
INSERT INTO "login_throttle" ("key", "failures", "window_start") VALUES (?, 1, ?)
ON CONFLICT ("key") DO UPDATE SET
  "failures" = CASE
    WHEN "login_throttle"."locked_until" > ? THEN "login_throttle"."failures"
    WHEN "login_throttle"."locked_until" IS NOT NULL OR "login_throttle"."window_start" <= ?
      THEN 1
    ELSE "login_throttle"."failures" + 1 END,
  "window_start" = CASE
    WHEN "login_throttle"."locked_until" > ? THEN "login_throttle"."window_start"
    WHEN "login_throttle"."locked_until" IS NOT NULL OR "login_throttle"."window_start" <= ?
      THEN ?
    ELSE "login_throttle"."window_start" END,
  "locked_until" = CASE
    WHEN "login_throttle"."locked_until" > ? THEN "login_throttle"."locked_until" END
RETURNING "failures", "window_start", "locked_until"
"""
_UNCOUNT = """
UPDATE "login_throttle" SET "failures" = "failures" - 1 WHERE "key" = ? AND "failures" > 0
"""
_LOCK = """
UPDATE "login_throttle" SET "locked_until" = ?
WHERE "key" = ? AND "failures" >= ? AND ("locked_until" IS NULL OR "locked_until" <= ?)
"""


def _db_time(value: datetime) -> Any:
    return LoginThrottle._meta.fields_map["window_start"].to_db_value(value, None)


async def _execute(sql: str, *values: Any) -> list[dict[str, Any]]:
    connection = get_connections().get("default")
    if connection.capabilities.dialect == "postgres":
        sql = postgres_sql(sql)
    return await connection.execute_query_dict(sql, list(values))


async def _count(key: str, now: datetime, limits: Limits) -> tuple[int, datetime, datetime | None]:
    """Count one attempt on ``key``: its failures (this one included), window and lock."""
    at, floor = _db_time(now), _db_time(now - limits.window)
    row = (await _execute(_COUNT, key, at, at, floor, at, floor, at, at))[0]
    start = python_value(LoginThrottle, "window_start", row["window_start"])
    until = python_value(LoginThrottle, "locked_until", row["locked_until"])
    return int(row["failures"]), start, until


def _keys(member_id: int | None, login: str, ip: str, limits: Limits) -> list[tuple[str, int]]:
    return [(account_key(member_id, login, ip), limits.per_account), (ip_key(ip), limits.per_ip)]


async def attempt(member_id: int | None, login: str, ip: str, limits: Limits) -> None:
    """Count an attempt BEFORE its password or code is verified; raise LOCKED when a key is
    locked or already holds its limit of failures and attempts in progress.

    Counting first, in one statement per key, is what makes the limit hold for parallel
    attempts (and across nodes, which share the database): at most ``limit`` secrets are
    verified per key until the window or the lock ends. Follow it with ``uncount`` when the
    secret was right, ``confirm_failure`` when it was wrong. An attempt refused here is not
    counted: it verified nothing.

    A key full of attempts still in progress (a mail client opening several connections at
    once, an office behind one address) is not a lock: the attempt waits up to ``BUSY_WAIT``
    seconds for them to end before it is refused.
    """
    deadline = asyncio.get_running_loop().time() + BUSY_WAIT
    while True:
        busy = await _attempt_once(member_id, login, ip, limits)
        if busy is None:
            return
        if busy.locked or asyncio.get_running_loop().time() >= deadline:
            raise busy.error
        await asyncio.sleep(BUSY_STEP)


BUSY_WAIT = 5.0  # seconds an attempt waits for the attempts in progress on its keys
BUSY_STEP = 0.25


@dataclass(frozen=True)
class _Refusal:
    error: SecurityError
    locked: bool  # a lock (wait no more), or only a key full of attempts in progress


async def _attempt_once(
    member_id: int | None, login: str, ip: str, limits: Limits
) -> _Refusal | None:
    now = datetime.now(UTC)
    refusal: _Refusal | None = None
    counted: list[str] = []
    for key, limit in _keys(member_id, login, ip, limits):
        failures, start, until = await _count(key, now, limits)
        if until is not None:
            refusal = _Refusal(_locked(key, until, now), True)
            continue
        counted.append(key)
        if failures > limit and refusal is None:
            refusal = _Refusal(_locked(key, max(start + limits.window, now), now), False)
    if refusal is not None:
        for key in counted:
            await _execute(_UNCOUNT, key)
    return refusal


async def uncount(member_id: int | None, login: str, ip: str) -> None:
    """The attempt's secret was right: it is no failure."""
    for key in (account_key(member_id, login, ip), ip_key(ip)):
        await _execute(_UNCOUNT, key)


async def confirm_failure(member_id: int | None, login: str, ip: str, limits: Limits) -> None:
    """The counted attempt failed: lock each key whose failures reached its limit."""
    now = datetime.now(UTC)
    until, at = _db_time(now + limits.lock), _db_time(now)
    for key, limit in _keys(member_id, login, ip, limits):
        await _execute(_LOCK, until, key, limit, at)


async def failed(member_id: int | None, login: str, ip: str, limits: Limits) -> None:
    """Count one failure that was not counted as an attempt before (a WeChat account that
    does not match, a wrong code after a right password); lock at the limit."""
    now = datetime.now(UTC)
    for key, _ in _keys(member_id, login, ip, limits):
        await _count(key, now, limits)
    await confirm_failure(member_id, login, ip, limits)


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
