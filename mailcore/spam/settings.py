"""An enterprise's spam setting (on/off, threshold), as administrators manage it."""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, SpamSetting
from mailcore.policy.presence import Presence

DEFAULT_THRESHOLD = 5.0


@dataclass(frozen=True)
class SpamPolicy:
    enabled: bool = True
    threshold: float = DEFAULT_THRESHOLD


async def get_policy(scope: AdminScope) -> SpamPolicy:
    scope.require(AdminPermission.POLICIES)
    return (await policies([scope.enterprise_id]))[scope.enterprise_id]


async def set_policy(
    scope: AdminScope, enabled: bool | None = None, threshold: float | None = None
) -> SpamPolicy:
    scope.require(AdminPermission.POLICIES)
    if threshold is not None and not 0 < threshold <= 100:
        raise AdminError(
            AdminErrorCode.INVALID, "the threshold is a score from 0 to 100", "threshold"
        )
    current = await get_policy(scope)
    new = SpamPolicy(
        enabled=current.enabled if enabled is None else enabled,
        threshold=current.threshold if threshold is None else threshold,
    )
    updated = await SpamSetting.filter(enterprise_id=scope.enterprise_id).update(
        enabled=new.enabled, threshold=new.threshold
    )
    if not updated:
        await SpamSetting.create(
            enterprise_id=scope.enterprise_id, enabled=new.enabled, threshold=new.threshold
        )
    await record(scope, "spam.set", "", enabled=new.enabled, threshold=new.threshold)
    return new


async def _enterprises_with_a_setting() -> list[int]:
    return list(await SpamSetting.all().values_list("enterprise_id", flat=True))


# Most enterprises keep the default: no query per message to learn that.
WITH_SETTING = Presence(_enterprises_with_a_setting)


async def policies(enterprise_ids: list[int] | set[int]) -> dict[int, SpamPolicy]:
    configured = await WITH_SETTING.owners()
    wanted = [e for e in enterprise_ids if e in configured]
    rows = {
        s.enterprise_id: SpamPolicy(s.enabled, s.threshold)
        for s in (await SpamSetting.filter(enterprise_id__in=wanted) if wanted else [])
    }
    return {e: rows.get(e, SpamPolicy()) for e in enterprise_ids}
