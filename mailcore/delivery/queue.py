"""The outbound queue in the database: due rows, claiming under a lease, recording outcomes.

A row is claimed by setting ``status=sending`` and ``started_at`` (the lease) in one
conditional update; an attempt's outcome is written the moment the remote server answers,
so a crash loses at most the outcomes of the transactions in flight. Rows still ``sending``
when their lease expires (the process died) are queued again: only rows without a recorded
outcome are ever retried.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.expressions import F

from mailcore.core.db import db_text
from mailcore.core.models import OutboundMessage, OutboundStatus


def now() -> datetime:
    return datetime.now(UTC)


async def release_expired(lease: float) -> int:
    """Queue again the rows whose delivery attempt outlived its lease."""
    return await OutboundMessage.filter(
        status=OutboundStatus.SENDING, started_at__lt=now() - timedelta(seconds=lease)
    ).update(status=OutboundStatus.QUEUED, next_attempt_at=now())


async def release(ids: list[int]) -> None:
    """Queue again claimed rows that have no outcome (a clean shutdown mid-delivery)."""
    await OutboundMessage.filter(id__in=ids, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.QUEUED, started_at=None
    )


async def due(limit: int) -> list[OutboundMessage]:
    return (
        await OutboundMessage.filter(status=OutboundStatus.QUEUED, next_attempt_at__lte=now())
        .order_by("next_attempt_at", "id")
        .limit(limit)
    )


async def claim(ids: list[int]) -> list[int]:
    """The ids this call claimed (others may have been taken or cancelled meanwhile)."""
    stamp = now()
    await OutboundMessage.filter(id__in=ids, status=OutboundStatus.QUEUED).update(
        status=OutboundStatus.SENDING, started_at=stamp
    )
    return list(
        await OutboundMessage.filter(
            id__in=ids, status=OutboundStatus.SENDING, started_at=stamp
        ).values_list("id", flat=True)
    )


async def delivered(ids: list[int], reply: str, host: str) -> None:
    await OutboundMessage.filter(id__in=ids, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.SENT,
        attempts=F("attempts") + 1,
        delivered_at=now(),
        last_error=db_text(reply, 2000),
        remote_host=db_text(host, 255),
        started_at=None,
    )


async def failed(ids: list[int], reply: str, host: str = "") -> None:
    await OutboundMessage.filter(id__in=ids, status=OutboundStatus.SENDING).update(
        status=OutboundStatus.FAILED,
        attempts=F("attempts") + 1,
        last_error=db_text(reply, 2000),
        remote_host=db_text(host, 255),
        started_at=None,
    )


async def deferred(
    rows: list[OutboundMessage],
    reply: str,
    host: str,
    backoff: tuple[float, ...],
    lifetime: float,
    *,
    fail_after: float | None = None,
) -> None:
    """Retry later with exponential backoff; fail for good once the lifetime is over (or
    ``fail_after`` seconds, for a domain with no mail host)."""
    moment = now()
    limit = lifetime if fail_after is None else min(lifetime, fail_after)
    expired = [r.id for r in rows if (moment - r.created_at).total_seconds() >= limit]
    if expired:
        reason = "gave up after the queue lifetime" if fail_after is None else "no mail host"
        await failed(expired, f"{reply} ({reason})", host)
    by_attempts: dict[int, list[int]] = {}
    for row in rows:
        if row.id not in expired:
            by_attempts.setdefault(row.attempts + 1, []).append(row.id)
    for attempts, ids in by_attempts.items():
        delay = backoff[min(attempts - 1, len(backoff) - 1)] if backoff else 300
        await OutboundMessage.filter(id__in=ids, status=OutboundStatus.SENDING).update(
            status=OutboundStatus.QUEUED,
            attempts=attempts,
            next_attempt_at=moment + timedelta(seconds=delay),
            last_error=db_text(reply, 2000),
            remote_host=db_text(host, 255),
            started_at=None,
        )
