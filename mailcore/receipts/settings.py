"""A member's read-receipt choice: ``always``, ``ask`` (the default) or ``never``."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from mailcore.core.models import ReceiptMode, ReceiptSetting


async def mode_of(member_id: int) -> ReceiptMode:
    row = await ReceiptSetting.filter(member_id=member_id).first()
    return row.mode if row else ReceiptMode.ASK


async def set_mode(member_id: int, mode: ReceiptMode) -> ReceiptMode:
    if await ReceiptSetting.filter(member_id=member_id).update(mode=mode):
        return mode
    try:
        await ReceiptSetting.create(member_id=member_id, mode=mode)
    except IntegrityError:  # two first choices at once: the later one wins
        await ReceiptSetting.filter(member_id=member_id).update(mode=mode)
    return mode
