"""Admin scope helpers shared by the security services."""

from __future__ import annotations

from mailcore.admin.errors import AdminError, AdminErrorCode, forbidden
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, Member
from mailcore.directory.tree import root_department
from mailcore.org.service import find_member


async def require_whole_enterprise(scope: AdminScope, permission: AdminPermission) -> None:
    """Enterprise-wide settings: a super admin, or a scoped admin of the root department."""
    scope.require(permission)
    if scope.is_super:
        return
    root = await root_department(scope.enterprise_id)
    if not scope.covers_department(root.id):
        raise forbidden("enterprise-wide settings need an administrator of the whole enterprise")


async def member_for(scope: AdminScope, permission: AdminPermission, email: str) -> Member:
    """The member with that address, which the admin may manage for ``permission``."""
    scope.require(permission)
    member = await find_member(email) if email and len(email) <= 320 else None
    if member is None or member.deleted_at is not None:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no member {email[:320]}", "email")
    await scope.require_member(permission, member)
    return member
