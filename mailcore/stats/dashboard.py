"""Dashboard figures within an administrator's scope: members, storage, mail and logins per day.

Counts come from the rows the logs already read: mailbox entries that were received
(``in``/``internal``), outbound rows (``out``) and login events, over the last ``days``
days, bucketed by UTC day (only the timestamp column is read; totals are SQL sums).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from tortoise.functions import Count, Sum

from mailcore.admin.scope import AdminScope
from mailcore.core.models import LoginEvent, MailboxEntry, Member, OutboundMessage
from mailcore.logs.scope import members_in_scope
from mailcore.logs.selfservice import received_where

MAX_DAYS = 90


@dataclass
class DayFigures:
    day: date
    received: int = 0
    sent_out: int = 0
    logins: int = 0
    failed_logins: int = 0


@dataclass
class Dashboard:
    members: int
    disabled: int
    storage_used: int
    storage_quota: int
    days: list[DayFigures] = field(default_factory=list)


async def _per_day(query, column: str, since: datetime) -> dict[date, int]:
    """COUNT per day: the timestamps are read as one column and bucketed here (UTC)."""
    counts: dict[date, int] = {}
    for value in await query.filter(**{f"{column}__gte": since}).values_list(column, flat=True):
        day = value.astimezone(UTC).date() if value.tzinfo else value.date()
        counts[day] = counts.get(day, 0) + 1
    return counts


async def dashboard(scope: AdminScope, days: int = 14, now: datetime | None = None) -> Dashboard:
    days = max(1, min(days, MAX_DAYS))
    now = now or datetime.now(UTC)
    first = (now - timedelta(days=days - 1)).date()
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)

    members = Member.filter(
        members_in_scope(scope, "id"), enterprise_id=scope.enterprise_id, deleted_at__isnull=True
    )
    totals = (
        await members.annotate(n=Count("id"), used=Sum("used_bytes"), quota=Sum("quota_bytes"))
        .group_by("enterprise_id")
        .values("n", "used", "quota")
    )
    total = totals[0] if totals else {"n": 0, "used": 0, "quota": 0}
    disabled = await members.filter(enabled=False).count()

    received = await _per_day(
        MailboxEntry.filter(
            received_where(),
            members_in_scope(scope, "member_id"),
            member__enterprise_id=scope.enterprise_id,
        ),
        "received_at",
        since,
    )
    sent = await _per_day(
        OutboundMessage.filter(
            members_in_scope(scope, "sender_id"), sender__enterprise_id=scope.enterprise_id
        ),
        "created_at",
        since,
    )
    logins_q = LoginEvent.filter(
        members_in_scope(scope, "member_id"), enterprise_id=scope.enterprise_id
    )
    ok = await _per_day(logins_q.filter(success=True), "created_at", since)
    failed = await _per_day(logins_q.filter(success=False), "created_at", since)

    result = Dashboard(
        members=int(total["n"] or 0),
        disabled=disabled,
        storage_used=int(total["used"] or 0),
        storage_quota=int(total["quota"] or 0),
    )
    for i in range(days):
        day = first + timedelta(days=i)
        result.days.append(
            DayFigures(
                day=day,
                received=received.get(day, 0),
                sent_out=sent.get(day, 0),
                logins=ok.get(day, 0),
                failed_logins=failed.get(day, 0),
            )
        )
    return result
