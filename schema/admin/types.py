"""Types shared by the admin schema (the typed admin error and admin roles)."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from mailcore.admin.errors import AdminError
from mailcore.admin.errors import AdminErrorCode as CoreCode
from mailcore.admin.scope import AdminScope

AdminErrorCode = strawberry.enum(StrEnum("AdminErrorCode", {c.name: c.value for c in CoreCode}))


@strawberry.type(name="AdminError")
class AdminErrorType:
    code: AdminErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: AdminError) -> AdminErrorType:
        return cls(code=AdminErrorCode(exc.code.value), message=exc.message, field=exc.field)


@strawberry.type
class AdminScopeType:
    is_super: bool
    permissions: list[str]
    department_ids: list[strawberry.ID]

    @classmethod
    def of(cls, scope: AdminScope) -> AdminScopeType:
        return cls(
            is_super=scope.is_super,
            permissions=sorted(p.value for p in scope.permissions),
            department_ids=[strawberry.ID(str(d)) for d in sorted(scope.department_ids)],
        )


@strawberry.type
class AdminRoleType:
    email: str
    is_super: bool
    permissions: list[str]
    department_ids: list[strawberry.ID]


@strawberry.type
class Done:
    ok: bool = True
