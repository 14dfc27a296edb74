"""Queries of the DMARC reports (permission ``domains``, the caller's enterprise only)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.dmarcreports.listing import MAX_ROWS, report_rows
from schema.dmarcreports.types import DmarcReportRow
from schema.domains.types import admin_query_error
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.type
class DmarcReportsQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description=(
            "DMARC aggregate reports other mail systems sent about the enterprise's domains:"
            " one row per source IP of each report, newest first."
        ),
    )
    async def dmarc_reports(
        self, info: Info, domain: str | None = None, limit: int = MAX_ROWS
    ) -> list[DmarcReportRow]:
        scope = await info.context.require_admin()
        try:
            return [DmarcReportRow.of(r) for r in await report_rows(scope, domain, limit)]
        except AdminError as exc:
            raise admin_query_error(exc) from exc
