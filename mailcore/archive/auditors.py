"""Auditor accounts: admins (permission ``archive``) grant a member access to the archived
mail of some departments (with their sub-departments) within a date range.

A scoped administrator grants only departments within their own scope and only to
members within it. ``auditor_view`` resolves a signed-in member's auditor scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from mailcore.admin.errors import forbidden
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope, descendants
from mailcore.archive.errors import PolicyError, PolicyErrorCode, invalid, not_found
from mailcore.core.db import db_text
from mailcore.core.models import AdminPermission, Auditor, Department, Member, OperationLog
from mailcore.org.service import find_member

MAX_DEPARTMENTS = 200


@dataclass(frozen=True)
class AuditorView:
    """What one auditor may see: their enterprise, departments (expanded), dates."""

    enterprise_id: int
    member_id: int
    email: str
    department_ids: frozenset[int]
    date_from: datetime | None
    date_to: datetime | None
    ip: str = ""


async def _member(scope: AdminScope, email: str) -> Member:
    member = await find_member(email)
    if member is None or member.enterprise_id != scope.enterprise_id:
        raise not_found(f"no member {email}", "email")
    await scope.require_member(AdminPermission.ARCHIVE, member)
    return member


async def grant_auditor(
    scope: AdminScope,
    email: str,
    department_ids: list[int],
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> Auditor:
    scope.require(AdminPermission.ARCHIVE)
    member = await _member(scope, email)
    wanted = sorted(set(department_ids))
    if not wanted or len(wanted) > MAX_DEPARTMENTS:
        raise invalid(f"give 1 to {MAX_DEPARTMENTS} departments", "departmentIds")
    found = await Department.filter(enterprise_id=scope.enterprise_id, id__in=wanted).count()
    if found != len(wanted):
        raise not_found("no such department", "departmentIds")
    for department in wanted:
        if not scope.covers_department(department):
            raise forbidden("that department is outside your administration scope")
    if date_from and date_to and date_from > date_to:
        raise invalid("the range ends before it starts", "dateTo")
    async with in_transaction():
        auditor, _ = await Auditor.update_or_create(
            defaults={
                "department_ids": wanted,
                "date_from": date_from,
                "date_to": date_to,
                "granted_by": db_text(scope.actor, 320),
            },
            enterprise_id=scope.enterprise_id,
            member_id=member.id,
        )
        await record(
            scope,
            "auditor.grant",
            member.email,
            department_ids=wanted,
            date_from=date_from.isoformat() if date_from else None,
            date_to=date_to.isoformat() if date_to else None,
        )
    auditor.member = member
    return auditor


async def revoke_auditor(scope: AdminScope, email: str) -> None:
    scope.require(AdminPermission.ARCHIVE)
    member = await _member(scope, email)
    async with in_transaction():
        mine = Auditor.filter(enterprise_id=scope.enterprise_id, member_id=member.id)
        if not await mine.delete():
            raise not_found(f"{member.email} is not an auditor", "email")
        await record(scope, "auditor.revoke", member.email)


async def list_auditors(scope: AdminScope) -> list[Auditor]:
    scope.require(AdminPermission.ARCHIVE)
    rows = await Auditor.filter(enterprise_id=scope.enterprise_id).select_related("member")
    if scope.is_super:
        return list(rows)
    return [a for a in rows if set(a.department_ids) <= scope.department_ids]


async def auditor_view(member: Member, ip: str = "") -> AuditorView:
    """The member's auditor scope, or FORBIDDEN if they are not an auditor."""
    auditor = await Auditor.filter(enterprise_id=member.enterprise_id, member_id=member.id).first()
    if auditor is None or not member.enabled or member.deleted_at is not None:
        raise PolicyError(PolicyErrorCode.FORBIDDEN, "this needs an auditor account")
    departments = await descendants(member.enterprise_id, list(auditor.department_ids))
    return AuditorView(
        enterprise_id=member.enterprise_id,
        member_id=member.id,
        email=member.email,
        department_ids=frozenset(departments),
        date_from=auditor.date_from,
        date_to=auditor.date_to,
        ip=ip,
    )


async def log_action(view: AuditorView, action: str, target: str = "", **detail: object) -> None:
    """Every auditor action goes to the enterprise's operation log."""
    await OperationLog.create(
        enterprise_id=view.enterprise_id,
        actor_member_id=view.member_id,
        actor=db_text(view.email, 320),
        action=action,
        target=db_text(target, 320),
        detail=detail,
        ip=db_text(view.ip, 64),
    )
