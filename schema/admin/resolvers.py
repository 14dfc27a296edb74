"""Queries and mutations of administrator roles."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.admin import roles
from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.org.service import find_member
from schema.admin.types import AdminErrorType, AdminRoleType, AdminScopeType, Done
from schema.permissions import IsAdmin, IsAuthenticated

GrantResult = Annotated[AdminRoleType | AdminErrorType, strawberry.union("GrantAdminResult")]
RevokeResult = Annotated[Done | AdminErrorType, strawberry.union("RevokeAdminResult")]


async def _member(email: str):
    member = await find_member(email)
    if member is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no member {email}", "email")
    return member


@strawberry.type
class AdminQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The caller's administrator scope, or null for members who are not admins.",
    )
    async def admin_scope(self, info: Info) -> AdminScopeType | None:
        scope = await info.context.admin_scope()
        return AdminScopeType.of(scope) if scope else None

    @strawberry.field(permission_classes=[IsAuthenticated, IsAdmin])
    async def admins(self, info: Info) -> list[AdminRoleType]:
        scope = await info.context.require_admin()
        return [
            AdminRoleType(
                email=role.member.email,
                is_super=role.is_super,
                permissions=list(role.permissions),
                department_ids=[strawberry.ID(str(d)) for d in role.department_ids],
            )
            for role in await roles.list_roles(scope)
        ]


@strawberry.type
class AdminMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def grant_admin(
        self,
        info: Info,
        email: str,
        is_super: bool = False,
        permissions: list[str] | None = None,
        department_ids: list[strawberry.ID] | None = None,
    ) -> GrantResult:
        scope = await info.context.require_admin()
        try:
            ids = [int(d) for d in department_ids or []]
        except ValueError:
            return AdminErrorType.of(
                AdminError(AdminErrorCode.NOT_FOUND, "no such department", "departmentIds")
            )
        try:
            member = await _member(email)
            role = await roles.grant(
                scope, member, is_super=is_super, permissions=permissions, department_ids=ids
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return AdminRoleType(
            email=member.email,
            is_super=role.is_super,
            permissions=list(role.permissions),
            department_ids=[strawberry.ID(str(d)) for d in role.department_ids],
        )

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def revoke_admin(self, info: Info, email: str) -> RevokeResult:
        scope = await info.context.require_admin()
        try:
            await roles.revoke(scope, await _member(email))
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()
