"""Group lookup for members: address autocomplete over the enterprise's groups and their own."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from mailcore.core.models import MailGroup, Member, PersonalGroup

MAX_RESULTS = 50


@dataclass(frozen=True)
class GroupHit:
    id: int
    personal: bool
    name: str
    address: str | None  # an enterprise group's address
    addresses: list[str]  # a personal group's addresses


async def search_groups(member: Member, query: str = "", limit: int = 20) -> list[GroupHit]:
    """Enterprise groups of the member's enterprise and their personal groups whose name (or
    address) contains ``query``; enterprise groups first, by name."""
    text = " ".join(query.split())[:100]
    limit = max(1, min(limit, MAX_RESULTS))
    enterprise = MailGroup.filter(enterprise_id=member.enterprise_id)
    personal = PersonalGroup.filter(member_id=member.id)
    if text:
        enterprise = enterprise.filter(Q(name__icontains=text) | Q(email__icontains=text))
        personal = personal.filter(name__icontains=text)
    hits = [
        GroupHit(g.id, False, g.name, g.email, [])
        for g in await enterprise.order_by("name", "id").limit(limit)
    ]
    hits += [
        GroupHit(g.id, True, g.name, None, list(g.addresses))
        for g in await personal.order_by("name", "id").limit(limit)
    ]
    return hits[:limit]
