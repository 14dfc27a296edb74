"""Restricted external sending (A7): listed members, or members of listed departments (with
their sub-departments), may not send outside the enterprise.

Checked three times, each where the sender learns it best: at RCPT on the submission port
(per recipient), before a GraphQL send or a forwarding setting is accepted (typed error), and
as the first ingest policy (``apply``) so no path — rules, mass mail, later ones — bypasses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mailcore.admin import oplog
from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.scope import AdminScope
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import (
    AdminPermission,
    Department,
    DepartmentMember,
    Member,
    SendRestriction,
)
from mailcore.store.request import IngestRequest, IngestSource

if TYPE_CHECKING:
    from mailcore.store.request import PolicyRefusal

CODE = "EXTERNAL_NOT_ALLOWED"
SMTP_REPLY = "550 5.7.1 <{address}>: {sender} may not send outside the company"
# Sources a member sends through (a release sends what the member submitted); inbound mail,
# our own mail and imports are not sending.
SENDING = frozenset(
    {IngestSource.SUBMISSION, IngestSource.COMPOSE, IngestSource.RULE, IngestSource.RELEASE}
)


async def is_restricted(member_id: int) -> bool:
    """True if the member, or one of their departments or its ancestors, is listed."""
    member = await Member.filter(id=member_id).only("id", "enterprise_id").first()
    if member is None:
        return False
    rows = await SendRestriction.filter(enterprise_id=member.enterprise_id).values_list(
        "member_id", "department_id"
    )
    if not rows:
        return False
    if any(m == member_id for m, _ in rows):
        return True
    listed = {d for _, d in rows if d is not None}
    if not listed:
        return False
    parents = dict(
        await Department.filter(enterprise_id=member.enterprise_id).values_list("id", "parent_id")
    )
    for department in await DepartmentMember.filter(member_id=member_id).values_list(
        "department_id", flat=True
    ):
        current: int | None = department
        seen: set[int] = set()
        while current is not None and current not in seen:
            if current in listed:
                return True
            seen.add(current)
            current = parents.get(current)
    return False


def refusal(member_email: str, address: str) -> PolicyRefusal:
    from mailcore.store.request import PolicyRefusal

    return PolicyRefusal(
        CODE,
        f"{member_email} may not send outside the company (to {address})",
        SMTP_REPLY.format(address=address, sender=member_email),
    )


async def apply(request: IngestRequest, parsed: ParsedMessage) -> None:
    """Refuse a member's message with external recipients if the member is restricted."""
    if request.sender_member_id is None or not request.outbound or request.source not in SENDING:
        return
    if await is_restricted(request.sender_member_id):
        member = await Member.get(id=request.sender_member_id)
        raise refusal(member.email, request.outbound[0])


# Administration: the list of restricted members and departments.


@dataclass
class Restriction:
    id: int
    member_email: str | None
    department_id: int | None
    department_name: str | None
    created_by: str
    created_at: datetime


async def _view(rows: list[SendRestriction]) -> list[Restriction]:
    members = dict(
        await Member.filter(id__in={r.member_id for r in rows if r.member_id}).values_list(
            "id", "email"
        )
    )
    departments = dict(
        await Department.filter(
            id__in={r.department_id for r in rows if r.department_id}
        ).values_list("id", "name")
    )
    return [
        Restriction(
            id=r.id,
            member_email=members.get(r.member_id) if r.member_id else None,
            department_id=r.department_id,
            department_name=departments.get(r.department_id) if r.department_id else None,
            created_by=r.created_by,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def _visible(scope: AdminScope, row: SendRestriction) -> bool:
    if row.member_id:
        member = await Member.get(id=row.member_id)
        try:
            await scope.require_visible(AdminPermission.POLICIES, member)
        except AdminError:
            return False
        return True
    return scope.covers_department(row.department_id or 0)


async def list_restrictions(scope: AdminScope) -> list[Restriction]:
    scope.require(AdminPermission.POLICIES)
    rows = await SendRestriction.filter(enterprise_id=scope.enterprise_id).order_by("id")
    return await _view([r for r in rows if await _visible(scope, r)])


async def add_restriction(
    scope: AdminScope, *, member_email: str | None = None, department_id: int | None = None
) -> Restriction:
    """List a member (by address) or a department; listing twice returns the existing row."""
    scope.require(AdminPermission.POLICIES)
    if (member_email is None) == (department_id is None):
        raise AdminError(AdminErrorCode.INVALID, "give a member or a department", "memberEmail")
    if member_email is not None:
        member = await Member.filter(email=member_email.strip().lower(), deleted_at=None).first()
        if member is None or member.enterprise_id != scope.enterprise_id:
            raise AdminError(AdminErrorCode.NOT_FOUND, "no such member", "memberEmail")
        await scope.require_member(AdminPermission.POLICIES, member)
        existing = await SendRestriction.filter(member_id=member.id).first()
        target = member.email
        values = {"member_id": member.id}
    else:
        department = await Department.filter(
            id=department_id, enterprise_id=scope.enterprise_id
        ).first()
        if department is None:
            raise AdminError(AdminErrorCode.NOT_FOUND, "no such department", "departmentId")
        scope.require_department(AdminPermission.POLICIES, department.id)
        existing = await SendRestriction.filter(department_id=department.id).first()
        target = f"department:{department.id}"
        values = {"department_id": department.id}
    if existing is None:
        existing = await SendRestriction.create(
            enterprise_id=scope.enterprise_id, created_by=scope.actor, **values
        )
        await oplog.record(scope, "policy.restrict_external.add", target)
    return (await _view([existing]))[0]


async def remove_restriction(scope: AdminScope, restriction_id: int) -> None:
    scope.require(AdminPermission.POLICIES)
    row = await SendRestriction.filter(id=restriction_id, enterprise_id=scope.enterprise_id).first()
    if row is None or not await _visible(scope, row):
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such restriction", "id")
    if row.member_id:
        await scope.require_rank(await Member.get(id=row.member_id))
    await row.delete()
    target = f"member:{row.member_id}" if row.member_id else f"department:{row.department_id}"
    await oplog.record(scope, "policy.restrict_external.remove", target)
