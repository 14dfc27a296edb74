"""Declared permissions for fields: every mailbox field needs a signed-in member."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info


class IsAuthenticated(BasePermission):
    message = "Sign in first: this needs a valid token"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.identity is not None


class IsAdmin(BasePermission):
    """The caller is an administrator of their enterprise (scope checks happen in mailcore)."""

    message = "This needs an administrator"
    error_extensions = {"code": "FORBIDDEN"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return await info.context.admin_scope() is not None
