"""Which members an administrator's log queries may show."""

from __future__ import annotations

from tortoise.expressions import Q, Subquery

from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, DepartmentMember
from mailcore.org.service import find_member


def members_in_scope(scope: AdminScope, field: str) -> Q:
    """Rows whose ``field`` (a member id) is a member the admin may see (all for a super)."""
    if scope.is_super:
        return Q()
    departments = list(scope.department_ids)
    members = DepartmentMember.filter(department_id__in=departments).values("member_id")
    return Q(**{f"{field}__in": Subquery(members)})


async def member_filter(scope: AdminScope, email: str | None, field: str, login_field: str) -> Q:
    """Restrict to one member (who must be within scope), or to a login text for unknown ones."""
    if not email:
        return Q()
    member = await find_member(email[:320])
    if member is None:
        return Q(**{login_field: email.strip().lower()[:320]})
    await scope.require_visible(AdminPermission.LOGS, member)
    return Q(**{field: member.id})
