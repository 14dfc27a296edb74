"""Mutations of the notices schema: post, mark read, delete, and who may post."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.notices import manage, reading
from mailcore.notices.errors import NoticeError
from mailcore.notices.post import NoticeDraft, post_notice
from schema.admin.types import AdminErrorType, Done
from schema.notices.queries import parse_id
from schema.notices.types import (
    DeleteNoticeResult,
    MarkNoticeResult,
    NoticeErrorType,
    NoticeSettingsResult,
    NoticeSettingsType,
    NoticeType,
    PostedNotice,
    PostNoticeResult,
)
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.input
class NoticeInput:
    title: str
    body: str
    html: bool = strawberry.field(default=False, description="The body is HTML (sanitized).")
    department_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Empty: the whole company."
    )
    by_mail: bool = strawberry.field(default=False, description="Also deliver it as a mail.")


@strawberry.type
class NoticesMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Post a notice; returns once every receipt is stored, then pushes it live.",
    )
    async def post_notice(self, info: Info, input: NoticeInput) -> PostNoticeResult:
        ctx = info.context
        draft = NoticeDraft(
            title=input.title,
            body=input.body,
            html=input.html,
            department_ids=[parse_id(d) for d in input.department_ids],
            by_mail=input.by_mail,
        )
        try:
            notice = await post_notice(
                await ctx.admin_scope(),
                ctx.identity.member,
                draft,
                bus=ctx.runtime.bus,
                ingestor=ctx.runtime.ingestor,
            )
        except NoticeError as exc:
            return NoticeErrorType.of(exc)
        notice.author = ctx.identity.member
        return PostedNotice(notice=NoticeType.of(notice, None), recipients=notice.recipients)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def mark_notice_read(
        self, info: Info, id: strawberry.ID, read: bool = True
    ) -> MarkNoticeResult:
        try:
            item = await reading.mark_read(info.context.member_id, parse_id(id), read)
        except NoticeError as exc:
            return NoticeErrorType.of(exc)
        return NoticeType.of_read(item)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Returns how many were unread."
    )
    async def mark_all_notices_read(self, info: Info) -> int:
        return await reading.mark_all_read(info.context.member_id)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Its author, or an administrator (notices) of its audience, deletes it.",
    )
    async def delete_notice(self, info: Info, id: strawberry.ID) -> DeleteNoticeResult:
        ctx = info.context
        try:
            await manage.delete_notice(await ctx.admin_scope(), ctx.identity.member, parse_id(id))
        except NoticeError as exc:
            return NoticeErrorType.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Let every member post notices (super administrators only).",
    )
    async def set_members_post_notices(self, info: Info, enabled: bool) -> NoticeSettingsResult:
        ctx = info.context
        scope = await ctx.require_admin()
        try:
            await manage.set_members_post_notices(scope, enabled)
            found = await manage.settings_for(scope, ctx.identity.member)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return NoticeSettingsType(
            members_post_notices=found.members_post_notices, may_post=found.may_post
        )
