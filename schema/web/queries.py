"""The admin dashboard query: members, storage and per-day mail and login counts in scope."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from mailcore.stats.dashboard import dashboard
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.type
class DashboardDay:
    day: date
    received: int = strawberry.field(description="Mail delivered to members (in and internal).")
    sent_out: int = strawberry.field(description="Mail sent to outside recipients.")
    logins: int
    failed_logins: int


@strawberry.type
class AdminDashboard:
    members: int
    disabled: int
    storage_used: float = strawberry.field(description="Bytes used by the members in scope.")
    storage_quota: float
    days: list[DashboardDay]


@strawberry.type
class WebQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Dashboard figures for the members you administer, the last `days` days.",
    )
    async def admin_dashboard(self, info: Info, days: int = 14) -> AdminDashboard:
        scope = await info.context.require_admin()
        figures = await dashboard(scope, days)
        return AdminDashboard(
            members=figures.members,
            disabled=figures.disabled,
            storage_used=figures.storage_used,
            storage_quota=figures.storage_quota,
            days=[
                DashboardDay(
                    day=d.day,
                    received=d.received,
                    sent_out=d.sent_out,
                    logins=d.logins,
                    failed_logins=d.failed_logins,
                )
                for d in figures.days
            ],
        )
