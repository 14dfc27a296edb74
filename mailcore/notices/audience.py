"""Who a notice reaches: the whole company, or the members of departments and their subtrees.

Posting computes the recipients set-based (one query for the tree, one for the members);
a live subscriber instead loads once the departments its member belongs to together with
their ancestors, so it can tell from a notice's target departments alone whether it is meant.
"""

from __future__ import annotations

from mailcore.core.models import Department, DepartmentMember, Member
from mailcore.groups.expand import department_members


async def recipients(enterprise_id: int, department_ids: list[int]) -> list[int]:
    """Ids of the enabled members a notice reaches (all of the enterprise when no departments)."""
    if not department_ids:
        return list(
            await Member.filter(enterprise_id=enterprise_id, enabled=True, deleted_at=None)
            .order_by("id")
            .values_list("id", flat=True)
        )
    return sorted(await department_members(department_ids))


async def reach(member_id: int, enterprise_id: int) -> frozenset[int]:
    """The member's departments and all their ancestors: a notice to any of them reaches them."""
    own = set(
        await DepartmentMember.filter(member_id=member_id).values_list("department_id", flat=True)
    )
    if not own:
        return frozenset()
    parent = dict(
        await Department.filter(enterprise_id=enterprise_id).values_list("id", "parent_id")
    )
    found: set[int] = set()
    for department in own:
        current: int | None = department
        while current is not None and current not in found:
            found.add(current)
            current = parent.get(current)
    return frozenset(found)


def is_meant_for(targets: list[int] | None, reach: frozenset[int]) -> bool:
    """Whether a notice to ``targets`` (None: the whole company) reaches a member."""
    return targets is None or any(t in reach for t in targets)
