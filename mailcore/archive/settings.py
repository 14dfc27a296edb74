"""The enterprise's archive setting (permission ``archive``): on/off and retention."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.archive.errors import invalid
from mailcore.core.models import AdminPermission, ArchiveSettings

MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 36500


async def get_settings(scope: AdminScope) -> ArchiveSettings:
    scope.require(AdminPermission.ARCHIVE)
    found = await ArchiveSettings.filter(enterprise_id=scope.enterprise_id).first()
    return found or ArchiveSettings(enterprise_id=scope.enterprise_id, enabled=False)


async def set_settings(
    scope: AdminScope, *, enabled: bool, retention_days: int | None = None
) -> ArchiveSettings:
    scope.require(AdminPermission.ARCHIVE)
    current = await get_settings(scope)
    days = current.retention_days if retention_days is None else retention_days
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise invalid(
            f"keep archived mail {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days",
            "retentionDays",
        )
    async with in_transaction():
        settings, _ = await ArchiveSettings.update_or_create(
            defaults={"enabled": enabled, "retention_days": days},
            enterprise_id=scope.enterprise_id,
        )
        await record(scope, "archive.settings", "", enabled=enabled, retention_days=days)
    return settings
