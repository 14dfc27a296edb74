"""Migrations for an administrator: start (or run again for the cut-over day), pause,
resume and list. Every call takes an ``AdminScope``: the new addresses must be
members of its enterprise that it may administer (``members`` permission, in its departments,
of lower rank); another enterprise's migration is ``NOT_FOUND``.

Starting with the same old server as an earlier migration of the enterprise runs that one
again: its members' rows (matched by old address) start over from what they took before, so
only new mail is moved; new rows are added.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.config import Settings
from mailcore.core.models import (
    AdminPermission,
    ExternalProtocol,
    MailMigration,
    Member,
    MigrationMember,
    MigrationState,
)
from mailcore.fetch import remote
from mailcore.fetch.crypt import Crypt
from mailcore.fetch.errors import FetchError, FetchErrorCode
from mailcore.fetch.service import now_ms
from mailcore.migration.errors import MigrationError, MigrationErrorCode, invalid, not_found
from mailcore.migration.source import MAX_MEMBERS, MemberLine, clean_line, parse_source

ACTIVE = (MigrationState.RUNNING, MigrationState.PAUSED)
RESTART_FIELDS = [
    "password_secret",
    "member_id",
    "state",
    "failures",
    "last_error",
    "next_attempt_at",
    "finished_at",
]


def _scope_error(exc: AdminError) -> MigrationError:
    return MigrationError(MigrationErrorCode.FORBIDDEN, exc.message, exc.field)


@dataclass(frozen=True)
class MasterLogin:
    """An IMAP master (admin) user of the old server, logging in as each member."""

    user: str
    password: str


async def start_migration(
    scope: AdminScope,
    url: str,
    lines: list[MemberLine],
    settings: Settings,
    crypt: Crypt,
    master: MasterLogin | None = None,
) -> MailMigration:
    try:
        scope.require(AdminPermission.MEMBERS)
    except AdminError as exc:
        raise _scope_error(exc) from None
    source = parse_source(url)
    if not lines:
        raise invalid("name at least one member", "members")
    if len(lines) > MAX_MEMBERS:
        raise invalid(f"at most {MAX_MEMBERS} members in one migration", "members")
    if master is not None:
        _check_master(master, source.protocol)
    cleaned = [clean_line(line, f"members.{n}", master is not None) for n, line in enumerate(lines)]
    members = await _members(scope, cleaned)
    try:  # after the scope checks: a refusal says nothing about the network
        await asyncio.to_thread(
            remote.check_host, source.host, source.port, settings.fetch_private_hosts
        )
    except FetchError as exc:
        if exc.code is FetchErrorCode.INVALID:
            raise MigrationError(MigrationErrorCode.PRIVATE_HOST, exc.message, "source") from None
        raise invalid(exc.message, "source") from None
    async with in_transaction():
        migration = (
            await MailMigration.filter(
                enterprise_id=scope.enterprise_id,
                protocol=source.protocol,
                security=source.security,
                host=source.host,
                port=source.port,
            )
            .order_by("-id")
            .first()
        )
        if migration is None:
            migration = await MailMigration.create(
                enterprise_id=scope.enterprise_id,
                protocol=source.protocol,
                security=source.security,
                host=source.host,
                port=source.port,
                created_by=scope.actor[:320],
                run_started_at=datetime.now(UTC),
            )
        else:
            if migration.state not in ACTIVE:  # an ended one run again: a new run
                migration.runs, migration.run_started_at = migration.runs + 1, datetime.now(UTC)
            migration.state, migration.finished_at = MigrationState.RUNNING, None
        migration.master_user = master.user if master else ""
        migration.master_secret = crypt.seal(master.password) if master else ""
        await migration.save()
        rows = {r.old_address.lower(): r for r in await MigrationMember.filter(migration=migration)}
        for line, member in zip(cleaned, members, strict=True):
            row = rows.get(line.old_address.lower())
            fresh = row is None
            if row is None:
                row = MigrationMember(migration=migration, old_address=line.old_address)
            row.password_secret = crypt.seal(line.old_password) if line.old_password else ""
            row.member_id = member.id
            row.state, row.failures, row.last_error = MigrationState.RUNNING, 0, ""
            row.next_attempt_at, row.finished_at = now_ms(), None
            # an existing row's counters and lease are the workers': left as they are
            await row.save(update_fields=None if fresh else RESTART_FIELDS)
    await record(scope, "migration.start", source.url, migration=migration.id, members=len(cleaned))
    return migration


def _check_master(master: MasterLogin, protocol: ExternalProtocol) -> None:
    if protocol is not ExternalProtocol.IMAP:
        raise invalid("a master user logs in over IMAP only", "masterUser")
    if not master.user.strip() or len(master.user) > 320 or "\n" in master.user:
        raise invalid("the master user needs 1 to 320 characters", "masterUser")
    if not master.password or len(master.password) > 1000 or "\n" in master.password:
        raise invalid("the master password needs 1 to 1000 characters", "masterPassword")


async def _members(scope: AdminScope, lines: list[MemberLine]) -> list[Member]:
    seen: set[str] = set()
    found = {
        m.email.lower(): m
        for m in await Member.filter(
            enterprise_id=scope.enterprise_id,
            email__in=[line.new_address for line in lines],
            deleted_at=None,
        )
    }
    members = []
    for n, line in enumerate(lines):
        if line.old_address.lower() in seen:
            raise invalid("this old address is listed twice", f"members.{n}.oldAddress")
        seen.add(line.old_address.lower())
        member = found.get(line.new_address)
        if member is None:
            raise invalid(
                f"{line.new_address} is not a member of your enterprise", f"members.{n}.newAddress"
            )
        try:
            if not scope.is_super:  # departments (a super admin's cover the enterprise)
                await scope.require_visible(AdminPermission.MEMBERS, member)
        except AdminError as exc:
            raise MigrationError(
                MigrationErrorCode.FORBIDDEN, exc.message, f"members.{n}.newAddress"
            ) from None
        members.append(member)
    higher = await scope.outranked(m.id for m in members)  # one query for the rank checks
    for n, member in enumerate(members):
        if member.id in higher:
            raise MigrationError(
                MigrationErrorCode.FORBIDDEN,
                "that member is an administrator with rights you do not hold",
                f"members.{n}.newAddress",
            )
    return members


async def enterprise_of(lines: list[MemberLine]) -> int:
    """The enterprise of the first new address (the CLI acts for it)."""
    address = lines[0].new_address.strip().lower() if lines else ""
    member = await Member.filter(email=address, deleted_at=None).first()
    if member is None:
        raise invalid(f"{address or 'nobody'} is not a member", "members.0.newAddress")
    return member.enterprise_id


async def latest(migration_id: int | None) -> MailMigration:
    """A migration by id, or the newest one (the CLI, trusted with every enterprise)."""
    query = MailMigration.all() if migration_id is None else MailMigration.filter(id=migration_id)
    found = await query.order_by("-id").first()
    if found is None:
        raise not_found()
    return found


async def _require_all(scope: AdminScope, migration: MailMigration) -> None:
    """The caller may administer every member of the migration (a scoped admin: all in
    their departments and of lower rank)."""
    if scope.is_super:
        return
    rows = await MigrationMember.filter(migration_id=migration.id).select_related("member")
    try:
        for row in rows:
            await scope.require_member(AdminPermission.MEMBERS, row.member)
    except AdminError as exc:
        raise _scope_error(exc) from None


async def get_migration(scope: AdminScope, migration_id: int) -> MailMigration:
    try:
        scope.require(AdminPermission.MEMBERS)
    except AdminError as exc:
        raise _scope_error(exc) from None
    found = await MailMigration.filter(id=migration_id, enterprise_id=scope.enterprise_id).first()
    if found is None:
        raise not_found()
    await _require_all(scope, found)
    return found


async def list_migrations(scope: AdminScope) -> list[MailMigration]:
    """The enterprise's migrations the caller may administer every member of."""
    try:
        scope.require(AdminPermission.MEMBERS)
    except AdminError as exc:
        raise _scope_error(exc) from None
    found = []
    for migration in await MailMigration.filter(enterprise_id=scope.enterprise_id).order_by("-id"):
        try:
            await _require_all(scope, migration)
        except MigrationError:
            continue
        found.append(migration)
    return found


async def pause_migration(scope: AdminScope, migration_id: int) -> MailMigration:
    """Workers stop after the message they are storing."""
    migration = await get_migration(scope, migration_id)
    if migration.state is not MigrationState.RUNNING:
        raise MigrationError(MigrationErrorCode.CONFLICT, "the migration is not running", "id")
    async with in_transaction():
        migration.state = MigrationState.PAUSED
        await migration.save(update_fields=["state"])
        await MigrationMember.filter(
            migration_id=migration.id, state=MigrationState.RUNNING
        ).update(state=MigrationState.PAUSED)
    await record(scope, "migration.pause", str(migration.id))
    return migration


async def resume_migration(scope: AdminScope, migration_id: int) -> MailMigration:
    """Paused, ended or failed: every member's row runs again and takes only what it has not
    taken (the cut-over day's new mail after a finished migration)."""
    migration = await get_migration(scope, migration_id)
    if migration.state is MigrationState.RUNNING:
        raise MigrationError(MigrationErrorCode.CONFLICT, "the migration is running", "id")
    fields = ["state", "finished_at"]
    if migration.state is not MigrationState.PAUSED:  # ended: the incremental run
        migration.runs, migration.run_started_at = migration.runs + 1, datetime.now(UTC)
        fields += ["runs", "run_started_at"]
    async with in_transaction():
        migration.state, migration.finished_at = MigrationState.RUNNING, None
        await migration.save(update_fields=fields)
        await MigrationMember.filter(migration_id=migration.id).update(
            state=MigrationState.RUNNING,
            failures=0,
            last_error="",
            next_attempt_at=now_ms(),
            finished_at=None,
        )
    await record(scope, "migration.resume", str(migration.id))
    return migration


async def settle(migration_id: int) -> None:
    """End the migration once no member's row is running or paused."""
    states = await MigrationMember.filter(migration_id=migration_id).values_list("state", flat=True)
    if any(MigrationState(s) in ACTIVE for s in states):
        return
    ended = (
        MigrationState.FAILED
        if any(MigrationState(s) is MigrationState.FAILED for s in states)
        else MigrationState.DONE
    )
    await MailMigration.filter(id=migration_id, state=MigrationState.RUNNING).update(
        state=ended, finished_at=datetime.now(UTC)
    )
