"""The outbound queue in the database: due rows, claiming under a lease, recording outcomes.

Any number of processes deliver from one queue. A row is claimed by setting
``status=sending`` and ``started_at`` (the lease; its value is the claim's stamp) in one
``UPDATE ... RETURNING`` whose rows are locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (one
writer on SQLite), so one claim gets each row. An attempt's outcome is written the moment
the remote server answers, so a crash loses at most the outcomes of the transactions in
flight, and only by the claim that holds the row (``started_at`` still its stamp). Rows still
``sending`` when their lease expires (the process died) are queued again: only rows without
a recorded outcome are ever retried; the worker gives up an attempt before its lease ends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.connection import get_connections
from tortoise.expressions import F

from mailcore.core.db import db_text
from mailcore.core.models import OutboundMessage, OutboundStatus
from mailcore.core.sqlwork import Statement, Work, batches, marks, run_transaction


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


def _claim(ids: list[int], stamp: datetime, postgres: bool) -> Work[list[int]]:
    field = OutboundMessage._meta.fields_map["started_at"]
    skip = " FOR UPDATE SKIP LOCKED" if postgres else ""
    rows = yield Statement(
        'UPDATE "outbound_message" SET "status" = ?, "started_at" = ? WHERE "id" IN '
        f'(SELECT "id" FROM "outbound_message" WHERE "id" IN ({marks(len(ids))}) '
        f'AND "status" = ?{skip}) RETURNING "id"',
        [
            OutboundStatus.SENDING.value,
            field.to_db_value(stamp, None),
            *ids,
            OutboundStatus.QUEUED.value,
        ],
    )
    return [row[0] for row in rows]


async def claim(ids: list[int]) -> tuple[list[int], datetime]:
    """The ids this call claimed (others may have been taken or cancelled meanwhile), and
    the claim's stamp, which the outcomes of these rows must name."""
    stamp = now()
    postgres = get_connections().get("default").capabilities.dialect == "postgres"
    claimed: list[int] = []
    for chunk in batches(ids):
        claimed += await run_transaction(_claim(list(chunk), stamp, postgres))
    return claimed, stamp


async def delivered(
    ids: list[int], reply: str, host: str, stamp: datetime, *, relayed: bool = False
) -> None:
    """Sent; ``relayed``: the sender asked for a success report the next server won't send."""
    await OutboundMessage.filter(
        id__in=ids, status=OutboundStatus.SENDING, started_at=stamp
    ).update(
        status=OutboundStatus.SENT,
        dsn_relayed=relayed,
        attempts=F("attempts") + 1,
        delivered_at=now(),
        last_error=db_text(reply, 2000),
        remote_host=db_text(host, 255),
        started_at=None,
    )


async def failed(ids: list[int], reply: str, host: str, stamp: datetime) -> None:
    await OutboundMessage.filter(
        id__in=ids, status=OutboundStatus.SENDING, started_at=stamp
    ).update(
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
    stamp: datetime,
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
        await failed(expired, f"{reply} ({reason})", host, stamp)
    by_attempts: dict[int, list[int]] = {}
    for row in rows:
        if row.id not in expired:
            by_attempts.setdefault(row.attempts + 1, []).append(row.id)
    for attempts, ids in by_attempts.items():
        delay = backoff[min(attempts - 1, len(backoff) - 1)] if backoff else 300
        await OutboundMessage.filter(
            id__in=ids, status=OutboundStatus.SENDING, started_at=stamp
        ).update(
            status=OutboundStatus.QUEUED,
            attempts=attempts,
            next_attempt_at=moment + timedelta(seconds=delay),
            last_error=db_text(reply, 2000),
            remote_host=db_text(host, 255),
            started_at=None,
        )
