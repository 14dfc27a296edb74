"""The cut-over day (Exmail-style 搬家助手): a checklist computed from what is in the database,
and forcing the migrated members to choose a new password at their next sign-in.

Each item is DONE, TODO, or UNKNOWN where the caller may not see what decides it (the domain
items need the ``domains`` permission) or it was never looked at (MX not checked yet):

- ``DOMAINS_VERIFIED``: every domain's required records (MX, SPF, DKIM, DMARC) checked right;
- ``MEMBERS_IMPORTED``: the members exist (a migration's new addresses must be members) —
  done once a migration has members; ``pending`` lists members in no migration;
- ``MIGRATION_COMPLETE``: every migration ended with every member DONE and nothing refused;
- ``INCREMENTAL_RUN``: every migration was run again after it ended (only new mail) and that
  run ended;
- ``MX_SWITCHED``: every domain's MX record pointed at us at the last DNS check;
- ``CLIENTS_RECONFIGURED``: every migrated member signed in to Qiyou (web, app or a mail
  client) since their migration began.

The migrations counted are those the caller may administer every member of (as listed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from tortoise.functions import Max
from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.config import Settings
from mailcore.core.models import (
    AdminPermission,
    DepartmentMember,
    LoginEvent,
    MailMigration,
    Member,
    MigrationMember,
    MigrationState,
)
from mailcore.domains import service as domains
from mailcore.domains.records import RecordStatus
from mailcore.migration.progress import rows_of
from mailcore.migration.service import get_migration, list_migrations

SHOWN = 20  # addresses or domains listed per item


class CheckState(StrEnum):
    DONE = "DONE"
    TODO = "TODO"
    UNKNOWN = "UNKNOWN"


@dataclass
class CheckItem:
    key: str
    state: CheckState
    done: int = 0  # how many of ``total`` are right
    total: int = 0
    pending: list[str] = field(default_factory=list)  # the first ones not right yet


@dataclass
class Cutover:
    items: list[CheckItem]
    must_change_password: int  # migrated members still to choose a new password


def counted(key: str, done: int, total: int, pending: list[str]) -> CheckItem:
    state = CheckState.DONE if total and done == total else CheckState.TODO
    return CheckItem(key, state, done, total, pending[:SHOWN])


async def checklist(scope: AdminScope, settings: Settings) -> Cutover:
    migrations = await list_migrations(scope)  # members permission, migrations in scope
    rows = await rows_of([m.id for m in migrations])
    items = await _domain_items(scope, settings)
    items.insert(1, await _members_item(scope, migrations, rows))
    items.insert(2, complete_item(migrations, rows))
    items.insert(3, incremental_item(migrations))
    items.append(await _signed_in_item(migrations, rows))
    member_ids = {r.member_id for found in rows.values() for r in found}
    forced = await Member.filter(id__in=member_ids, must_change_password=True).count()
    return Cutover(items, forced)


async def _domain_items(scope: AdminScope, settings: Settings) -> list[CheckItem]:
    """DOMAINS_VERIFIED and MX_SWITCHED from the last DNS check of each domain."""
    if not scope.may(AdminPermission.DOMAINS):
        return [
            CheckItem("DOMAINS_VERIFIED", CheckState.UNKNOWN),
            CheckItem("MX_SWITCHED", CheckState.UNKNOWN),
        ]
    verified, unverified, mx_ok, mx_left, mx_unchecked = 0, [], 0, [], 0
    try:
        found = await domains.list_domains(scope)
        for domain in found:
            states = await domains.dns_records(scope, domain.name, settings)
            if states.verified:
                verified += 1
            else:
                unverified.append(domain.name)
            mx = next(s for s in states.records if s.record.key == "MX")
            if mx.status is RecordStatus.OK:
                mx_ok += 1
            else:
                mx_left.append(domain.name)
                mx_unchecked += mx.status is RecordStatus.UNKNOWN
    except AdminError:
        return [
            CheckItem("DOMAINS_VERIFIED", CheckState.UNKNOWN),
            CheckItem("MX_SWITCHED", CheckState.UNKNOWN),
        ]
    mx = counted("MX_SWITCHED", mx_ok, len(found), mx_left)
    if mx.state is CheckState.TODO and mx_unchecked == len(mx_left):
        mx.state = CheckState.UNKNOWN  # nothing wrong seen: not checked yet
    return [counted("DOMAINS_VERIFIED", verified, len(found), unverified), mx]


async def _members_item(
    scope: AdminScope, migrations: list[MailMigration], rows: dict[int, list[MigrationMember]]
) -> CheckItem:
    """Done once a migration has members; ``pending``: members (in the caller's departments)
    in no migration, for the administrator to judge (new hires have no old mailbox)."""
    migrated = {r.member_id for found in rows.values() for r in found}
    query = Member.filter(enterprise_id=scope.enterprise_id, deleted_at=None, enabled=True)
    if not scope.is_super:
        in_scope = DepartmentMember.filter(department_id__in=scope.department_ids)
        query = query.filter(id__in=await in_scope.values_list("member_id", flat=True))
    members = await query.order_by("email").values_list("id", "email")
    others = [email for member_id, email in members if member_id not in migrated]
    return CheckItem(
        "MEMBERS_IMPORTED",
        CheckState.DONE if migrated else CheckState.TODO,
        len(members) - len(others),
        len(members),
        others[:SHOWN],
    )


def complete_item(
    migrations: list[MailMigration], rows: dict[int, list[MigrationMember]]
) -> CheckItem:
    """Every migration ended with every member DONE and nothing refused; ``pending``: the
    old addresses that failed, are not done or had messages refused."""
    left = []
    total = done = 0
    for migration in migrations:
        for row in rows[migration.id]:
            total += 1
            if row.state is MigrationState.DONE and not row.refused:
                done += 1
            else:
                left.append(row.old_address)
    return counted("MIGRATION_COMPLETE", done, total, left)


def incremental_item(migrations: list[MailMigration]) -> CheckItem:
    """Every migration run again after it ended, and that run ended DONE."""
    done = [
        m for m in migrations if m.runs > 1 and m.state is MigrationState.DONE and m.finished_at
    ]
    left = [f"#{m.id}" for m in migrations if m not in done]
    return counted("INCREMENTAL_RUN", len(done), len(migrations), left)


async def _signed_in_item(
    migrations: list[MailMigration], rows: dict[int, list[MigrationMember]]
) -> CheckItem:
    """The migrated members who signed in to Qiyou since their migration began."""
    since: dict[int, datetime] = {}  # member id -> the earliest start of a migration of theirs
    emails: dict[int, str] = {}
    for migration in migrations:
        for row in rows[migration.id]:
            emails[row.member_id] = row.member.email
            first = since.get(row.member_id)
            if first is None or migration.created_at < first:
                since[row.member_id] = migration.created_at
    signed: set[int] = set()
    if since:
        latest = (  # one row per member: their last successful sign-in
            await LoginEvent.filter(member_id__in=list(since), success=True)
            .annotate(last=Max("created_at"))
            .group_by("member_id")
            .values_list("member_id", "last")
        )
        signed = {m for m, last in latest if last is not None and _aware(last) >= since[m]}
    left = sorted(emails[m] for m in since if m not in signed)
    return counted("CLIENTS_RECONFIGURED", len(signed), len(since), left)


def _aware(value: datetime | str) -> datetime:
    """An aggregate's datetime (SQLite hands it back as text)."""
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found if found.tzinfo else found.replace(tzinfo=UTC)


async def force_password_change(scope: AdminScope, migration_id: int) -> int:
    """Every member of the migration (but the caller) must choose a new password at their
    next sign-in, on the web first (mail clients are refused until then). Returns how many."""
    migration = await get_migration(scope, migration_id)  # members permission, all in scope
    member_ids = set(
        await MigrationMember.filter(migration_id=migration.id).values_list("member_id", flat=True)
    )
    member_ids.discard(scope.actor_member_id)
    async with in_transaction():
        changed = await Member.filter(id__in=member_ids, deleted_at=None).update(
            must_change_password=True
        )
        await record(scope, "migration.force_password_change", str(migration.id), members=changed)
    return changed
