"""Queries of the groups schema: enterprise groups (admins), personal groups and lookup."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.groups import admin, lookup, personal
from schema.groups.types import (
    GroupSuggestion,
    MailGroupType,
    PersonalGroupType,
    admin_query_error,
    parse_id,
)
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.type
class GroupsQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="The enterprise's mail groups with their entries (permission groups).",
    )
    async def mail_groups(self, info: Info) -> list[MailGroupType]:
        scope = await info.context.require_admin()
        try:
            return [MailGroupType.of(v) for v in await admin.list_groups(scope)]
        except AdminError as exc:
            raise admin_query_error(exc) from exc

    @strawberry.field(permission_classes=[IsAuthenticated, IsAdmin])
    async def mail_group(self, info: Info, id: strawberry.ID) -> MailGroupType:
        scope = await info.context.require_admin()
        try:
            return MailGroupType.of(await admin.get_group(scope, parse_id(id)))
        except AdminError as exc:
            raise admin_query_error(exc) from exc

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Address autocomplete: enterprise groups and your personal groups whose "
        "name (or address) contains the query.",
    )
    async def groups(self, info: Info, query: str = "", first: int = 20) -> list[GroupSuggestion]:
        member = info.context.identity.member
        return [GroupSuggestion.of(h) for h in await lookup.search_groups(member, query, first)]

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def personal_groups(self, info: Info) -> list[PersonalGroupType]:
        return [
            PersonalGroupType.of(g) for g in await personal.list_personal(info.context.member_id)
        ]
