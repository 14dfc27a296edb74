"""Who may send to an enterprise group (posting permission, the product's allow_type 0–3).

The sender is the authenticated member (submission, compose) or, for mail arriving at the
MX, whoever the envelope sender address belongs to (forged local senders are for SPF/DMARC
checks at the MX to stop).
"""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.core.models import Alias, MailGroup, Member, PostingPermission
from mailcore.groups.expand import expand
from mailcore.org.addresses import normalize_address
from mailcore.org.service import find_member


@dataclass(frozen=True)
class Sender:
    address: str  # the envelope sender
    member_id: int | None = None  # set when the member is authenticated


async def _sender_member(sender: Sender) -> Member | None:
    if sender.member_id is not None:
        member = await Member.filter(id=sender.member_id).first()
    else:
        member = await find_member(sender.address) if sender.address else None
    if member is None or not member.enabled or member.deleted_at is not None:
        return None
    return member


async def may_post(group: MailGroup, sender: Sender) -> bool:
    permission = PostingPermission(group.permission)
    if permission is PostingPermission.ANYONE:
        return True
    member = await _sender_member(sender)
    if permission is PostingPermission.COMPANY:
        return member is not None and member.enterprise_id == group.enterprise_id
    if permission is PostingPermission.GROUP_MEMBERS:
        return member is not None and member.id in await expand([group.id])
    addresses = {normalize_address(sender.address)} if sender.address else set()
    if member is not None:
        addresses.add(member.email)
        addresses |= set(await Alias.filter(member_id=member.id).values_list("email", flat=True))
    allowed = {normalize_address(a) for a in group.allowed_senders or []}
    return bool(addresses & allowed)


async def refused_groups(groups: dict[str, int], sender: Sender) -> list[str]:
    """The group addresses (of ``address → group id``) the sender may not post to."""
    if not groups:
        return []
    by_id = {g.id: g for g in await MailGroup.filter(id__in=set(groups.values()))}
    return [
        address
        for address, group_id in groups.items()
        if group_id not in by_id or not await may_post(by_id[group_id], sender)
    ]
