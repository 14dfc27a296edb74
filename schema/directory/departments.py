"""Mutations of the department tree (permission ``departments``, within the admin's scope)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.core.models import Department
from mailcore.directory import departments
from mailcore.directory.departments import parse_id
from schema.admin.types import AdminErrorType, Done
from schema.directory.types import AdminDepartment, AdminDepartmentResult, DeleteDepartmentResult
from schema.permissions import IsAdmin, IsAuthenticated

ADMIN = [IsAuthenticated, IsAdmin]


async def _row(department: Department) -> AdminDepartment:
    return AdminDepartment.of(await departments.describe(department))


@strawberry.type
class DepartmentMutation:
    @strawberry.mutation(
        permission_classes=ADMIN,
        description="A new department under parentId (default: the root).",
    )
    async def create_department(
        self,
        info: Info,
        name: str,
        parent_id: strawberry.ID | None = None,
        order: int = 0,
        hidden: bool = False,
    ) -> AdminDepartmentResult:
        scope = await info.context.require_admin()
        try:
            parent = None if parent_id is None else parse_id(parent_id, "parentId")
            created = await departments.create_department(
                scope, parent, name, order=order, hidden=hidden
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return await _row(created)

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Rename, move (parentId), reorder or hide a department; null keeps a field.",
    )
    async def update_department(
        self,
        info: Info,
        id: strawberry.ID,
        name: str | None = None,
        parent_id: strawberry.ID | None = None,
        order: int | None = None,
        hidden: bool | None = None,
    ) -> AdminDepartmentResult:
        scope = await info.context.require_admin()
        try:
            updated = await departments.update_department(
                scope,
                parse_id(id, "id"),
                name=name,
                parent_id=None if parent_id is None else parse_id(parent_id, "parentId"),
                order=order,
                hidden=hidden,
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return await _row(updated)

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Delete a department with no sub-departments and no members.",
    )
    async def delete_department(self, info: Info, id: strawberry.ID) -> DeleteDepartmentResult:
        scope = await info.context.require_admin()
        try:
            await departments.delete_department(scope, parse_id(id, "id"))
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()
