"""Mutations of the groups schema: enterprise groups (admins) and personal groups (members)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.groups import admin, personal
from mailcore.groups.errors import GroupError
from schema.admin.types import AdminErrorType, Done
from schema.groups.types import (
    DeleteMailGroupResult,
    DeletePersonalGroupResult,
    GroupErrorType,
    GroupPostingPermission,
    MailGroupResult,
    MailGroupType,
    PersonalGroupResult,
    PersonalGroupType,
    parse_id,
)
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.input
class MailGroupInput:
    email: str
    name: str
    permission: GroupPostingPermission = GroupPostingPermission.COMPANY
    allowed_senders: list[str] = strawberry.field(default_factory=list)
    members: list[str] = strawberry.field(
        default_factory=list, description="Member addresses (or their aliases)."
    )
    department_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    group_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="Fields left out (null) stay as they are; lists replace.")
class MailGroupUpdate:
    email: str | None = None
    name: str | None = None
    permission: GroupPostingPermission | None = None
    allowed_senders: list[str] | None = None
    members: list[str] | None = None
    department_ids: list[strawberry.ID] | None = None
    group_ids: list[strawberry.ID] | None = None


def _ids(values: list[strawberry.ID] | None) -> list[int] | None:
    return None if values is None else [parse_id(v) for v in values]


def _spec(data: MailGroupInput | MailGroupUpdate) -> admin.GroupSpec:
    return admin.GroupSpec(
        email=data.email,
        name=data.name,
        permission=data.permission.core if data.permission is not None else None,
        allowed_senders=data.allowed_senders,
        members=data.members,
        department_ids=_ids(data.department_ids),
        group_ids=_ids(data.group_ids),
    )


@strawberry.type
class GroupsMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def create_mail_group(self, info: Info, input: MailGroupInput) -> MailGroupResult:
        scope = await info.context.require_admin()
        try:
            return MailGroupType.of(await admin.create_group(scope, _spec(input)))
        except AdminError as exc:
            return AdminErrorType.of(exc)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def update_mail_group(
        self, info: Info, id: strawberry.ID, input: MailGroupUpdate
    ) -> MailGroupResult:
        scope = await info.context.require_admin()
        try:
            return MailGroupType.of(await admin.update_group(scope, parse_id(id), _spec(input)))
        except AdminError as exc:
            return AdminErrorType.of(exc)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def delete_mail_group(self, info: Info, id: strawberry.ID) -> DeleteMailGroupResult:
        scope = await info.context.require_admin()
        try:
            await admin.delete_group(scope, parse_id(id))
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def create_personal_group(
        self, info: Info, name: str, addresses: list[str]
    ) -> PersonalGroupResult:
        try:
            group = await personal.create_personal(info.context.member_id, name, addresses)
        except GroupError as exc:
            return GroupErrorType.of(exc)
        return PersonalGroupType.of(group)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Rename a personal group and/or replace its addresses (null: unchanged).",
    )
    async def update_personal_group(
        self,
        info: Info,
        id: strawberry.ID,
        name: str | None = None,
        addresses: list[str] | None = None,
    ) -> PersonalGroupResult:
        try:
            group = await personal.update_personal(
                info.context.member_id, parse_id(id), name, addresses
            )
        except GroupError as exc:
            return GroupErrorType.of(exc)
        return PersonalGroupType.of(group)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def delete_personal_group(
        self, info: Info, id: strawberry.ID
    ) -> DeletePersonalGroupResult:
        try:
            await personal.delete_personal(info.context.member_id, parse_id(id))
        except GroupError as exc:
            return GroupErrorType.of(exc)
        return Done()
