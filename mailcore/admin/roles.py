"""Granting and revoking administrator roles."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode, forbidden
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, AdminRole, Department, Member


async def grant(
    scope: AdminScope,
    member: Member,
    *,
    is_super: bool = False,
    permissions: list[str] | None = None,
    department_ids: list[int] | None = None,
) -> AdminRole:
    """Make ``member`` an administrator. Only super admins grant roles."""
    if not scope.is_super:
        raise forbidden("only a super administrator may appoint administrators")
    scope.require_enterprise(member.enterprise_id)
    try:
        perms = sorted({AdminPermission(p).value for p in permissions or []})
    except ValueError as exc:
        raise AdminError(AdminErrorCode.INVALID, str(exc), "permissions") from exc
    departments = sorted(set(department_ids or []))
    found = await Department.filter(enterprise_id=member.enterprise_id, id__in=departments).count()
    if found != len(departments):
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such department", "departmentIds")
    if not is_super and not departments:
        raise AdminError(
            AdminErrorCode.INVALID, "a scoped administrator needs departments", "departmentIds"
        )
    async with in_transaction():
        role, _ = await AdminRole.update_or_create(
            defaults={"is_super": is_super, "permissions": perms, "department_ids": departments},
            enterprise_id=member.enterprise_id,
            member_id=member.id,
        )
        await record(
            scope,
            "admin.grant",
            member.email,
            is_super=is_super,
            permissions=perms,
            department_ids=departments,
        )
    return role


async def revoke(scope: AdminScope, member: Member) -> None:
    if not scope.is_super:
        raise forbidden("only a super administrator may remove administrators")
    scope.require_enterprise(member.enterprise_id)
    async with in_transaction():
        deleted = await AdminRole.filter(member_id=member.id).delete()
        if not deleted:
            raise AdminError(AdminErrorCode.NOT_FOUND, "not an administrator", "email")
        await record(scope, "admin.revoke", member.email)


async def list_roles(scope: AdminScope) -> list[AdminRole]:
    """The administrators of the caller's enterprise (any administrator may see them)."""
    return list(
        await AdminRole.filter(enterprise_id=scope.enterprise_id)
        .select_related("member")
        .order_by("id")
    )
