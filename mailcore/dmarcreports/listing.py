"""What administrators see of the reports: one row per source IP of each report, newest
reports first, for their own enterprise only (permission ``domains``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, DmarcRecord
from mailcore.org.addresses import normalize_domain

MAX_ROWS = 500


@dataclass(frozen=True)
class ReportRow:
    domain: str
    org_name: str
    report_id: str
    date_begin: datetime
    date_end: datetime
    source_ip: str
    count: int
    disposition: str
    dkim: str
    spf: str
    header_from: str


async def report_rows(
    scope: AdminScope, domain: str | None = None, limit: int = MAX_ROWS
) -> list[ReportRow]:
    scope.require(AdminPermission.DOMAINS)
    query = DmarcRecord.filter(report__enterprise_id=scope.enterprise_id)
    if domain:
        query = query.filter(report__domain=normalize_domain(domain))
    rows = (
        await query.order_by("-report__date_end", "-report_id", "-count", "id")
        .limit(max(1, min(limit, MAX_ROWS)))
        .values(
            "report__domain",
            "report__org_name",
            "report__report_id",
            "report__date_begin",
            "report__date_end",
            "source_ip",
            "count",
            "disposition",
            "dkim",
            "spf",
            "header_from",
        )
    )
    return [
        ReportRow(
            domain=r["report__domain"],
            org_name=r["report__org_name"],
            report_id=r["report__report_id"],
            date_begin=r["report__date_begin"],
            date_end=r["report__date_end"],
            source_ip=r["source_ip"],
            count=r["count"],
            disposition=r["disposition"],
            dkim=r["dkim"],
            spf=r["spf"],
            header_from=r["header_from"],
        )
        for r in rows
    ]
