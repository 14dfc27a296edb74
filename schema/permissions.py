"""Declared permissions for fields: every mailbox field needs a signed-in member."""

from __future__ import annotations

from typing import Any

from graphql import OperationType
from strawberry.permission import BasePermission
from strawberry.types import Info

from mailcore.admin.oplog import record


class IsAuthenticated(BasePermission):
    message = "Sign in first: this needs a valid token"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if info.context.identity is not None:
            return True
        # An open API app's token reaches the fields that also need an administrator.
        needs_admin = IsAdmin in getattr(info._field, "permission_classes", ())
        return getattr(info.context, "app", None) is not None and needs_admin


class IsAdmin(BasePermission):
    """The caller is an administrator of their enterprise (scope checks happen in mailcore)."""

    message = "This needs an administrator"
    error_extensions = {"code": "FORBIDDEN"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        scope = await info.context.admin_scope()
        if scope is None:
            return False
        if info.path.prev is None and info.operation.operation is OperationType.QUERY:
            # Admin reads are audited too; mutations are logged by the services with detail.
            arguments = {k: str(v)[:200] for k, v in kwargs.items() if v is not None}
            await record(scope, f"query.{info.field_name}", "", arguments=arguments)
        return True
