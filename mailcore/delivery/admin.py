"""The outbound queue as administrators see it (permission ``policies``, mail of senders in
their scope): list by status, retry a deferred mail now, cancel one (the sender is told)."""

from __future__ import annotations

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, OutboundMessage, OutboundStatus
from mailcore.delivery import queue
from mailcore.logs.scope import members_in_scope

MAX_PAGE = 200
MAX_IDS = 500


def _in_scope(scope: AdminScope):
    return OutboundMessage.filter(
        members_in_scope(scope, "sender_id"), sender__enterprise_id=scope.enterprise_id
    )


async def queue_rows(
    scope: AdminScope, status: OutboundStatus | None = None, first: int = 50
) -> list[OutboundMessage]:
    scope.require(AdminPermission.POLICIES)
    query = _in_scope(scope)
    if status is not None:
        query = query.filter(status=status)
    return (
        await query.order_by("-created_at", "-id")
        .limit(max(1, min(first, MAX_PAGE)))
        .select_related("message")
    )


async def _rows(scope: AdminScope, ids: list[int]) -> list[OutboundMessage]:
    scope.require(AdminPermission.POLICIES)
    if not ids or len(ids) > MAX_IDS:
        raise AdminError(AdminErrorCode.INVALID, f"give 1 to {MAX_IDS} queue ids", "ids")
    rows = await _in_scope(scope).filter(id__in=ids)
    if len(rows) != len(set(ids)):
        raise AdminError(AdminErrorCode.NOT_FOUND, "some queue entries are not yours to see", "ids")
    if await scope.outranked(r.sender_id for r in rows if r.sender_id):
        raise AdminError(
            AdminErrorCode.FORBIDDEN, "some queue entries are mail of a higher administrator"
        )
    return rows


async def retry_now(scope: AdminScope, ids: list[int]) -> int:
    """Deferred entries are tried at once; returns how many were waiting."""
    rows = await _rows(scope, ids)
    waiting = [r.id for r in rows if r.status == OutboundStatus.QUEUED]
    if waiting:
        await OutboundMessage.filter(id__in=waiting, status=OutboundStatus.QUEUED).update(
            next_attempt_at=queue.now()
        )
    await record(scope, "outbound.retry", "", ids=waiting)
    return len(waiting)


async def cancel(scope: AdminScope, ids: list[int]) -> int:
    """Waiting (or in-progress) entries fail now (the sender gets a report); how many."""
    rows = await _rows(scope, ids)
    active = (OutboundStatus.QUEUED, OutboundStatus.SENDING)
    waiting = [r.id for r in rows if r.status in active]
    if waiting:
        # An attempt in progress may still be accepted remotely, and then stays recorded
        # as cancelled: the sender is told it was cancelled either way.
        await OutboundMessage.filter(id__in=waiting, status__in=active).update(
            status=OutboundStatus.FAILED,
            last_error=f"550 5.3.0 cancelled by the administrator {scope.actor}"[:2000],
        )
    await record(scope, "outbound.cancel", "", ids=waiting)
    return len(waiting)
