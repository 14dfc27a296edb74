"""Managing notices: deleting them, read statistics for admins, and who may post."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from mailcore.admin.errors import forbidden
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, Enterprise, Member, Notice, NoticeReceipt
from mailcore.notices.errors import NoticeError, NoticeErrorCode
from mailcore.notices.post import may_post
from mailcore.notices.reading import decode_cursor, encode_cursor, page_size


@dataclass(frozen=True)
class NoticeStats:
    notice: Notice  # with its author loaded
    recipients: int
    read: int


@dataclass
class StatsPage:
    items: list[NoticeStats]
    has_next: bool
    end_cursor: str | None


@dataclass(frozen=True)
class NoticeSettings:
    members_post_notices: bool
    may_post: bool  # the caller may post to the whole company


def _administers(scope: AdminScope | None, notice: Notice) -> bool:
    """Super admins with ``notices`` all notices; scoped ones those to their departments only."""
    if scope is None or not scope.may(AdminPermission.NOTICES):
        return False
    if scope.is_super:
        return True
    targets = list(notice.department_ids or [])
    return bool(targets) and all(scope.covers_department(d) for d in targets)


async def delete_notice(scope: AdminScope | None, member: Member, notice_id: int) -> None:
    """The author, or an administrator of the notice's audience, deletes it (and its receipts)."""
    notice = await Notice.filter(id=notice_id, enterprise_id=member.enterprise_id).first()
    if notice is None:
        raise NoticeError(NoticeErrorCode.NOT_FOUND, "no such notice", "id")
    as_admin = _administers(scope, notice)
    if notice.author_id != member.id and not as_admin:
        raise NoticeError(NoticeErrorCode.FORBIDDEN, "you may not delete this notice", "id")
    async with in_transaction():
        await Notice.filter(id=notice.id).delete()
        if scope is not None and as_admin:
            await record(scope, "notice.delete", notice.title, notice_id=notice.id)


async def notice_stats(
    scope: AdminScope, first: int | None = None, after: str | None = None
) -> StatsPage:
    """The enterprise's notices (a scoped admin: those to their departments), newest first,
    with how many members got and read each (one grouped query)."""
    scope.require(AdminPermission.NOTICES)
    size = page_size(first)
    query = Notice.filter(enterprise_id=scope.enterprise_id)
    before = decode_cursor(after)
    if before is not None:
        query = query.filter(id__lt=before)
    if not scope.is_super:
        visible = [
            pk
            for pk, targets in await query.values_list("id", "department_ids")
            if targets and all(scope.covers_department(d) for d in targets)
        ]
        query = Notice.filter(id__in=visible)
    notices = await query.order_by("-id").limit(size + 1).select_related("author")
    page = notices[:size]
    read = dict(
        await NoticeReceipt.filter(notice_id__in=[n.id for n in page], read_at__isnull=False)
        .annotate(count=Count("id"))
        .group_by("notice_id")
        .values_list("notice_id", "count")
    )
    return StatsPage(
        items=[NoticeStats(n, n.recipients, read.get(n.id, 0)) for n in page],
        has_next=len(notices) > size,
        end_cursor=encode_cursor(page[-1].id) if page else None,
    )


async def settings_for(scope: AdminScope | None, member: Member) -> NoticeSettings:
    enterprise = await Enterprise.get(id=member.enterprise_id)
    return NoticeSettings(enterprise.members_post_notices, await may_post(scope, member, []))


async def set_members_post_notices(scope: AdminScope, enabled: bool) -> Enterprise:
    """Let every member post notices, or only administrators (super administrators decide)."""
    if not scope.is_super:
        raise forbidden("only a super administrator may change who posts notices")
    async with in_transaction():
        await Enterprise.filter(id=scope.enterprise_id).update(members_post_notices=enabled)
        await record(scope, "enterprise.members_post_notices", "", enabled=enabled)
    return await Enterprise.get(id=scope.enterprise_id)
