"""Mutations of members by admins (permission ``members``, within the admin's scope)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.admin.scope import AdminScope
from mailcore.core.models import Member
from mailcore.directory import aliases, lifecycle, members
from mailcore.directory.departments import parse_id
from mailcore.directory.listing import detail_of
from schema.admin.types import AdminErrorType
from schema.directory.queries import admin_member
from schema.directory.types import (
    AdminMemberResult,
    CreateMemberInput,
    UpdateMemberInput,
)
from schema.permissions import IsAdmin, IsAuthenticated

ADMIN = [IsAuthenticated, IsAdmin]
Change = Callable[[AdminScope, Member], Awaitable[object]]


def _fields(given: CreateMemberInput | UpdateMemberInput) -> members.MemberFields:
    ids = given.department_ids
    return members.MemberFields(
        email=given.email,
        name=given.name,
        password=given.password,
        position=given.position,
        mobile=given.mobile,
        tel=given.tel,
        extid=given.extid,
        gender=None if given.gender is None else given.gender.value,
        department_ids=None if ids is None else [parse_id(d, "departmentIds") for d in ids],
        vip=given.vip,
        quota=given.quota,
        hidden=given.hidden,
        must_change_password=given.must_change_password,
    )


async def _result(info: Info, scope: AdminScope, member: Member) -> AdminMemberResult:
    detail = await detail_of(scope, await members.reload(member))
    return admin_member(detail, info.context.runtime.settings.restore_days)


async def _change(info: Info, email: str, change: Change) -> AdminMemberResult:
    """Find the member the caller administers, apply ``change``, answer the member."""
    scope = await info.context.require_admin()
    try:
        member = await members.find_for_admin(scope, email)
        await change(scope, member)
    except AdminError as exc:
        return AdminErrorType.of(exc)
    return await _result(info, scope, member)


@strawberry.type
class MemberMutation:
    @strawberry.mutation(permission_classes=ADMIN)
    async def create_member(self, info: Info, input: CreateMemberInput) -> AdminMemberResult:
        scope = await info.context.require_admin()
        try:
            member = await members.create_member(
                scope, _fields(input), default_quota=info.context.runtime.settings.default_quota
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return await _result(info, scope, member)

    @strawberry.mutation(permission_classes=ADMIN)
    async def update_member(
        self, info: Info, email: str, input: UpdateMemberInput
    ) -> AdminMemberResult:
        bus = info.context.runtime.bus

        async def change(scope: AdminScope, member: Member) -> None:
            await members.update_member(scope, member, _fields(input), bus=bus)

        return await _change(info, email, change)

    @strawberry.mutation(
        permission_classes=ADMIN, description="A disabled member cannot sign in or receive mail."
    )
    async def disable_member(self, info: Info, email: str) -> AdminMemberResult:
        bus = info.context.runtime.bus
        return await _change(info, email, lambda s, m: lifecycle.set_enabled(s, m, False, bus=bus))

    @strawberry.mutation(permission_classes=ADMIN)
    async def enable_member(self, info: Info, email: str) -> AdminMemberResult:
        bus = info.context.runtime.bus
        return await _change(info, email, lambda s, m: lifecycle.set_enabled(s, m, True, bus=bus))

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Delete a member; restorable for QIYOU_RESTORE_DAYS days, then purged.",
    )
    async def delete_member(self, info: Info, email: str) -> AdminMemberResult:
        bus = info.context.runtime.bus
        return await _change(info, email, lambda s, m: lifecycle.delete_member(s, m, bus=bus))

    @strawberry.mutation(permission_classes=ADMIN)
    async def restore_member(self, info: Info, email: str) -> AdminMemberResult:
        days = info.context.runtime.settings.restore_days
        return await _change(info, email, lambda s, m: lifecycle.restore_member(s, m, days))

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Set a new password; by default the member must change it at next sign-in.",
    )
    async def reset_member_password(
        self, info: Info, email: str, password: str, must_change: bool = True
    ) -> AdminMemberResult:
        return await _change(
            info,
            email,
            lambda s, m: lifecycle.reset_password(
                s, m, password, must_change=must_change, bus=info.context.runtime.bus
            ),
        )

    @strawberry.mutation(permission_classes=ADMIN)
    async def add_member_alias(self, info: Info, email: str, alias: str) -> AdminMemberResult:
        return await _change(info, email, lambda s, m: aliases.add_alias(s, m, alias))

    @strawberry.mutation(permission_classes=ADMIN)
    async def remove_member_alias(self, info: Info, email: str, alias: str) -> AdminMemberResult:
        return await _change(info, email, lambda s, m: aliases.remove_alias(s, m, alias))
