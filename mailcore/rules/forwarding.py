"""Forwarding of all incoming mail to other addresses, keeping a copy or not."""

from __future__ import annotations

from mailcore.core.models import Forwarding
from mailcore.rules.filters import check_forward_addresses


async def get_forwarding(member_id: int) -> Forwarding:
    row = await Forwarding.filter(member_id=member_id).first()
    return row or Forwarding(member_id=member_id)


async def set_forwarding(
    member_id: int, *, enabled: bool, addresses: list[str], keep_copy: bool
) -> Forwarding:
    """External addresses are refused for members who may not send outside (A7)."""
    if enabled or addresses:
        addresses = await check_forward_addresses(member_id, addresses, "addresses")
    values = {"enabled": enabled, "addresses": addresses, "keep_copy": keep_copy}
    row = await Forwarding.filter(member_id=member_id).first()
    if row is None:
        return await Forwarding.create(member_id=member_id, **values)
    row.update_from_dict(values)
    await row.save()
    return row
