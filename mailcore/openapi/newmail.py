"""New-mail notification for apps: the unread count of a member's Inbox."""

from __future__ import annotations

from mailcore.admin.scope import AdminScope
from mailcore.core.models import FolderRole, MailboxEntry, Member


async def unread_inbox_count(member_id: int) -> int:
    return await MailboxEntry.filter(
        member_id=member_id, folder__role=FolderRole.INBOX, seen=False
    ).count()


async def unread_count(scope: AdminScope, member: Member) -> int:
    """Unread mail in a member's Inbox, for an app of the member's enterprise."""
    scope.require_enterprise(member.enterprise_id)
    return await unread_inbox_count(member.id)
