"""Live netdisk changes: one ``netdisk_changed`` event per change on the enterprise channel,
naming the space and the folders whose listing changed; a subscriber filters by the folder
it has open (its right to see it was checked when it subscribed)."""

from __future__ import annotations

from mailcore.core.events import Bus
from mailcore.netdisk.nodes import Change

NETDISK_CHANGED = "netdisk_changed"


async def announce(bus: Bus | None, enterprise_id: int, change: Change) -> None:
    if bus is None:
        return
    await bus.publish_enterprise(
        enterprise_id,
        NETDISK_CHANGED,
        space=change.space_id,
        folders=[folder or 0 for folder in change.folders],  # 0: the space's root
        node=change.node_id,
        action=change.action,
    )
