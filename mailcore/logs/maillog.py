"""The administrators' mail log: what came in, went out and moved inside the enterprise.

Built from the stored rows: each copy delivered to a member's mailbox (``MailboxEntry``,
direction ``in`` when the sender is outside the enterprise's domains, ``internal`` when
inside) and each external recipient of a member's mail (``OutboundMessage``, ``out``).
The two are merged newest first under one cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.expressions import Q

from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, Domain, MailboxEntry, OutboundMessage
from mailcore.logs import paging
from mailcore.logs.scope import members_in_scope
from mailcore.logs.selfservice import received_where
from mailcore.org.addresses import normalize_address, split_address

DELIVERY, OUTBOUND = 1, 0  # source ranks in the merged order


class Direction(StrEnum):
    IN = "in"
    OUT = "out"
    INTERNAL = "internal"


@dataclass(frozen=True)
class MailFilter:
    sender: str | None = None
    recipient: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    direction: Direction | None = None


@dataclass(frozen=True)
class MailLogRow:
    time: datetime
    direction: Direction
    sender: str
    recipient: str
    subject: str
    status: str  # DELIVERED, or the outbound state: QUEUED, SENDING, SENT, FAILED
    folder: str = ""  # where a delivered copy is now
    folder_role: str | None = None  # that folder's role (inbox, spam...), None for others
    detail: str = ""
    rank: int = DELIVERY
    pk: int = 0


def _from_inside(domains: list[str]) -> Q:
    """Sent from an address in one of the enterprise's domains (``domains`` is not empty)."""
    inside = Q(message__from_address__iendswith=f"@{domains[0]}")
    for domain in domains[1:]:
        inside |= Q(message__from_address__iendswith=f"@{domain}")
    return inside


async def _deliveries(
    scope: AdminScope, where: MailFilter, domains: list[str], cursor: paging.Cursor | None, n: int
) -> list[MailLogRow]:
    query = MailboxEntry.filter(
        received_where(),
        members_in_scope(scope, "member_id"),
        paging.between(where.since, where.until, "received_at"),
        paging.before(cursor, "received_at", DELIVERY),
        member__enterprise_id=scope.enterprise_id,
    )
    if where.direction is Direction.INTERNAL:
        if not domains:
            return []
        query = query.filter(_from_inside(domains))
    elif where.direction is Direction.IN and domains:
        query = query.filter(~_from_inside(domains))
    if where.sender:
        query = query.filter(message__from_address__iexact=normalize_address(where.sender))
    if where.recipient:
        query = query.filter(member__email=normalize_address(where.recipient))
    rows = (
        await query.order_by("-received_at", "-id")
        .limit(n)
        .select_related("message", "folder", "member")
    )
    inside = set(domains)
    return [
        MailLogRow(
            time=e.received_at,
            direction=Direction.INTERNAL
            if split_address(e.message.from_address)[1] in inside
            else Direction.IN,
            sender=e.message.from_address,
            recipient=e.member.email,
            subject=e.message.subject,
            status="DELIVERED",
            folder=e.folder.name,
            folder_role=e.folder.role,
            rank=DELIVERY,
            pk=e.id,
        )
        for e in rows
    ]


async def _outbound(
    scope: AdminScope, where: MailFilter, cursor: paging.Cursor | None, n: int
) -> list[MailLogRow]:
    query = OutboundMessage.filter(
        members_in_scope(scope, "sender_id"),
        paging.between(where.since, where.until, "created_at"),
        paging.before(cursor, "created_at", OUTBOUND),
        sender__enterprise_id=scope.enterprise_id,
    )
    if where.sender:
        query = query.filter(envelope_from__iexact=normalize_address(where.sender))
    if where.recipient:
        query = query.filter(recipient__iexact=normalize_address(where.recipient))
    rows = await query.order_by("-created_at", "-id").limit(n).select_related("message")
    return [
        MailLogRow(
            time=o.created_at,
            direction=Direction.OUT,
            sender=o.envelope_from,
            recipient=o.recipient,
            subject=o.message.subject,
            status=o.status.value.upper(),
            detail=o.last_error,
            rank=OUTBOUND,
            pk=o.id,
        )
        for o in rows
    ]


async def mail_logs(
    scope: AdminScope, where: MailFilter, first: int | None, after: str | None
) -> paging.Page:
    scope.require(AdminPermission.LOGS)
    limit = paging.size(first)
    cursor = paging.decode(after)
    domains = list(
        await Domain.filter(enterprise_id=scope.enterprise_id).values_list("name", flat=True)
    )
    rows: list[MailLogRow] = []
    if where.direction is not Direction.OUT:
        rows += await _deliveries(scope, where, domains, cursor, limit + 1)
    if where.direction in (None, Direction.OUT):
        rows += await _outbound(scope, where, cursor, limit + 1)
    rows.sort(key=lambda r: (r.time, r.rank, r.pk), reverse=True)
    return paging.page(rows[: limit + 1], limit, lambda r: paging.Cursor(r.time, r.pk, r.rank))
