"""Administrators' login and operation logs (permission ``logs``).

Super admins see their whole enterprise; scoped admins only the members of their
departments (and, in the operation log, what those members and they themselves did).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, ClientKind, LoginEvent, OperationLog
from mailcore.logs import paging
from mailcore.logs.errors import invalid
from mailcore.logs.scope import member_filter, members_in_scope

LOGS = AdminPermission.LOGS


@dataclass(frozen=True)
class LoginFilter:
    member: str | None = None  # an address: the member's events, or attempts on that login
    since: datetime | None = None
    until: datetime | None = None
    success: bool | None = None
    client: ClientKind | None = None


@dataclass(frozen=True)
class OperationFilter:
    actor: str | None = None  # the admin's address, "cli" or "app:<id>"
    action: str | None = None  # exact, or a prefix ending with "." (e.g. "security.")
    since: datetime | None = None
    until: datetime | None = None


async def login_logs(
    scope: AdminScope, where: LoginFilter, first: int | None, after: str | None
) -> paging.Page:
    scope.require(LOGS)
    limit = paging.size(first)
    cursor = paging.decode(after)
    query = LoginEvent.filter(
        members_in_scope(scope, "member_id"),
        await member_filter(scope, where.member, "member_id", "login"),
        paging.between(where.since, where.until, "created_at"),
        paging.before(cursor, "created_at"),
        enterprise_id=scope.enterprise_id,
    )
    if where.success is not None:
        query = query.filter(success=where.success)
    if where.client is not None:
        query = query.filter(client=where.client)
    rows = await query.order_by("-created_at", "-id").limit(limit + 1)
    return paging.page(rows, limit, lambda e: paging.Cursor(e.created_at, e.id))


def _action(action: str | None) -> Q:
    if not action:
        return Q()
    if len(action) > 64:
        raise invalid("an action has at most 64 characters", "action")
    return Q(action__startswith=action) if action.endswith(".") else Q(action=action)


async def operation_logs(
    scope: AdminScope, where: OperationFilter, first: int | None, after: str | None
) -> paging.Page:
    scope.require(LOGS)
    limit = paging.size(first)
    cursor = paging.decode(after)
    visible = members_in_scope(scope, "actor_member_id")
    if not scope.is_super and scope.actor_member_id is not None:
        visible |= Q(actor_member_id=scope.actor_member_id)
    query = OperationLog.filter(
        visible,
        _action(where.action),
        paging.between(where.since, where.until, "created_at"),
        paging.before(cursor, "created_at"),
        enterprise_id=scope.enterprise_id,
    )
    if where.actor:
        query = query.filter(actor__iexact=where.actor.strip()[:320])
    rows = await query.order_by("-created_at", "-id").limit(limit + 1)
    return paging.page(rows, limit, lambda e: paging.Cursor(e.created_at, e.id))
