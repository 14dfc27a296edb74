"""Security settings administrators change: secure login, app passwords for mail clients,
forced password changes."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, Enterprise, Member
from mailcore.security.scope import member_for, require_whole_enterprise

SECURITY = AdminPermission.SECURITY


async def set_secure_login(scope: AdminScope, enabled: bool, email: str | None = None) -> None:
    """Require the WeChat/TOTP second factor for the whole enterprise, or for one member."""
    if email is None:
        await require_whole_enterprise(scope, SECURITY)
        async with in_transaction():
            await Enterprise.filter(id=scope.enterprise_id).update(secure_login=enabled)
            await record(scope, "security.secure_login", "", enabled=enabled)
        return
    member = await member_for(scope, SECURITY, email)
    async with in_transaction():
        await Member.filter(id=member.id).update(secure_login=enabled)
        await record(scope, "security.secure_login", member.email, enabled=enabled)


async def enterprise_secure_login(scope: AdminScope) -> bool:
    scope.require(SECURITY)
    flags = await Enterprise.filter(id=scope.enterprise_id).values_list("secure_login", flat=True)
    return bool(flags and flags[0])


async def require_password_change(scope: AdminScope, email: str, required: bool = True) -> None:
    """The member must choose a new password at their next login (or no longer must)."""
    member = await member_for(scope, SECURITY, email)
    async with in_transaction():
        await Member.filter(id=member.id).update(must_change_password=required)
        await record(scope, "security.must_change_password", member.email, required=required)


async def set_app_passwords_required(scope: AdminScope, required: bool) -> None:
    """Mail clients of every member sign in with app passwords only (or no longer must)."""
    await require_whole_enterprise(scope, SECURITY)
    async with in_transaction():
        await Enterprise.filter(id=scope.enterprise_id).update(app_passwords_required=required)
        await record(scope, "security.app_passwords_required", "", required=required)


async def enterprise_app_passwords_required(scope: AdminScope) -> bool:
    scope.require(SECURITY)
    flags = await Enterprise.filter(id=scope.enterprise_id).values_list(
        "app_passwords_required", flat=True
    )
    return bool(flags and flags[0])
