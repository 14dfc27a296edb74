"""Batch jobs for the administrators' logs (permission ``logs``), newest first.

Qiyou keeps two kinds of batch work: mass mail jobs (``MassMailJob``, one copy per
recipient, run in the background) and administrators' bulk changes, which run at once and
leave one operation-log row each (``member.import`` with its counts, ``notice.post`` to a
whole audience, ``notice.delete``, ``signature.template`` applied to every member). Both
are listed here as ``BatchJob`` rows; visibility follows the other admin logs (a scoped
admin sees the jobs of the members in their departments, and their own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count

from mailcore.admin.scope import AdminScope
from mailcore.core.models import (
    AdminPermission,
    CopyStatus,
    MassMailJob,
    MassMailRecipient,
    MassMailStatus,
    OperationLog,
)
from mailcore.logs import paging
from mailcore.logs.errors import invalid
from mailcore.logs.scope import members_in_scope

BATCH_ACTIONS = ("member.import", "notice.post", "notice.delete", "signature.template")
MASS_MAIL = "mass_mail"


@dataclass(frozen=True)
class BatchJob:
    time: datetime
    operator: str  # the admin's address, "cli", "app:<corpid>", or the member who mass-mailed
    kind: str  # "mass_mail" or the operation's action
    status: str  # queued, running, done, or failed (done, some items failed)
    target: str = ""
    counts: dict[str, Any] = field(default_factory=dict)


def _counts(detail: Any) -> dict[str, Any]:
    if not isinstance(detail, dict):
        return {}
    return {k: v for k, v in detail.items() if k in ("created", "updated", "failed")}


def _import_status(detail: Any) -> str:
    failed = detail.get("failed", 0) if isinstance(detail, dict) else 0
    return "failed" if failed else "done"


async def _operations(
    scope: AdminScope, since: datetime, until: datetime, n: int
) -> list[BatchJob]:
    visible = members_in_scope(scope, "actor_member_id")
    if not scope.is_super and scope.actor_member_id is not None:
        visible |= Q(actor_member_id=scope.actor_member_id)
    rows = (
        await OperationLog.filter(
            visible,
            paging.between(since, until, "created_at"),
            enterprise_id=scope.enterprise_id,
            action__in=BATCH_ACTIONS,
        )
        .order_by("-created_at", "-id")
        .limit(n)
    )
    return [
        BatchJob(
            time=r.created_at,
            operator=r.actor,
            kind=r.action,
            status=_import_status(r.detail) if r.action == "member.import" else "done",
            target=r.target,
            counts=_counts(r.detail),
        )
        for r in rows
    ]


async def _mass_mail(scope: AdminScope, since: datetime, until: datetime, n: int) -> list[BatchJob]:
    jobs = (
        await MassMailJob.filter(
            members_in_scope(scope, "member_id"),
            paging.between(since, until, "created_at"),
            member__enterprise_id=scope.enterprise_id,
        )
        .order_by("-created_at", "-id")
        .limit(n)
        .select_related("member")
    )
    failed: dict[int, int] = {}
    if jobs:
        counted = (
            await MassMailRecipient.filter(
                job_id__in=[j.id for j in jobs], status=CopyStatus.FAILED
            )
            .group_by("job_id")
            .annotate(n=Count("id"))
            .values_list("job_id", "n")
        )
        failed = {job_id: n for job_id, n in counted}
    out = []
    for job in jobs:
        status = job.status.value
        if job.status is MassMailStatus.DONE and failed.get(job.id):
            status = "failed"
        out.append(
            BatchJob(
                time=job.created_at,
                operator=job.member.email,
                kind=MASS_MAIL,
                status=status,
                counts={"total": job.total, "failed": failed.get(job.id, 0)},
            )
        )
    return out


async def batch_jobs(
    scope: AdminScope, since: datetime, until: datetime, max_rows: int
) -> list[BatchJob]:
    """The batch jobs started in ``[since, until)``, newest first, at most ``max_rows``."""
    scope.require(AdminPermission.LOGS)
    rows = await _operations(scope, since, until, max_rows + 1)
    rows += await _mass_mail(scope, since, until, max_rows + 1)
    if len(rows) > max_rows:
        raise invalid("too many batch jobs: narrow the date range", "until")
    return sorted(rows, key=lambda r: r.time, reverse=True)
