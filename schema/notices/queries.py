"""Queries of the notices schema: a member's notices and unread count; admin statistics."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.notices import manage, reading
from mailcore.notices.errors import NoticeError
from schema.mail.types import PageInfo
from schema.notices.types import (
    NoticeConnection,
    NoticeEdge,
    NoticeReport,
    NoticeReportConnection,
    NoticeReportEdge,
    NoticeSettingsType,
    NoticeType,
)
from schema.permissions import IsAdmin, IsAuthenticated


def _error(exc: NoticeError | AdminError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


def parse_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1


@strawberry.type
class NoticesQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated], description="Notices you received, newest first."
    )
    async def notices(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        unread_only: bool = False,
    ) -> NoticeConnection:
        try:
            page = await reading.list_notices(info.context.member_id, first, after, unread_only)
        except NoticeError as exc:
            raise _error(exc) from exc
        return NoticeConnection(
            edges=[
                NoticeEdge(node=NoticeType.of_read(n), cursor=reading.encode_cursor(n.notice.id))
                for n in page.items
            ],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
        )

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def notice(self, info: Info, id: strawberry.ID) -> NoticeType:
        try:
            return NoticeType.of_read(
                await reading.get_notice(info.context.member_id, parse_id(id))
            )
        except NoticeError as exc:
            raise _error(exc) from exc

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def unread_notice_count(self, info: Info) -> int:
        return await reading.unread_count(info.context.member_id)

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def notice_settings(self, info: Info) -> NoticeSettingsType:
        ctx = info.context
        found = await manage.settings_for(await ctx.admin_scope(), ctx.identity.member)
        return NoticeSettingsType(
            members_post_notices=found.members_post_notices, may_post=found.may_post
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Posted notices with receipt and read counts (permission notices).",
    )
    async def notice_reports(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> NoticeReportConnection:
        scope = await info.context.require_admin()
        try:
            page = await manage.notice_stats(scope, first, after)
        except (NoticeError, AdminError) as exc:
            raise _error(exc) from exc
        return NoticeReportConnection(
            edges=[
                NoticeReportEdge(node=NoticeReport.of(s), cursor=reading.encode_cursor(s.notice.id))
                for s in page.items
            ],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
        )
