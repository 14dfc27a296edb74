"""Types of the DMARC report table."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mailcore.dmarcreports.listing import ReportRow


@strawberry.type(description="What one source IP sent as a hosted domain, per one report.")
class DmarcReportRow:
    domain: str
    reporting_org: str
    report_id: str
    date_begin: datetime
    date_end: datetime
    source_ip: str
    count: int
    disposition: str = strawberry.field(description="none, quarantine or reject")
    dkim: str = strawberry.field(description="The DMARC-aligned DKIM result (pass, fail)")
    spf: str = strawberry.field(description="The DMARC-aligned SPF result (pass, fail)")
    header_from: str

    @classmethod
    def of(cls, row: ReportRow) -> DmarcReportRow:
        return cls(
            domain=row.domain,
            reporting_org=row.org_name,
            report_id=row.report_id,
            date_begin=row.date_begin,
            date_end=row.date_end,
            source_ip=row.source_ip,
            count=row.count,
            disposition=row.disposition,
            dkim=row.dkim,
            spf=row.spf,
            header_from=row.header_from,
        )
