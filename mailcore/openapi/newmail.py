"""New-mail notification for apps: the unread count of a member's Inbox."""

from __future__ import annotations

from tortoise.functions import Count

from mailcore.admin.scope import AdminScope
from mailcore.core.models import FolderRole, MailboxEntry, Member


async def unread_inbox_count(member_id: int) -> int:
    return await MailboxEntry.filter(
        member_id=member_id, folder__role=FolderRole.INBOX, seen=False
    ).count()


async def unread_inbox_counts(member_ids: set[int]) -> dict[int, int]:
    """``unread_inbox_count`` of many members in one query (members with none are absent)."""
    rows = (
        await MailboxEntry.filter(
            member_id__in=member_ids, folder__role=FolderRole.INBOX, seen=False
        )
        .annotate(unread=Count("id"))
        .group_by("member_id")
        .values_list("member_id", "unread")
    )
    return dict(rows)


async def unread_count(scope: AdminScope, member: Member) -> int:
    """Unread mail in a member's Inbox, for an app of the member's enterprise."""
    scope.require_enterprise(member.enterprise_id)
    return await unread_inbox_count(member.id)
