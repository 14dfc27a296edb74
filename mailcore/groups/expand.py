"""Expanding enterprise groups to their current members, set-based and cycle-safe.

A group's entries are members, departments (with every sub-department) and other groups.
Expansion walks the group graph one nesting level per query (a visited set makes it safe
even if the data holds a cycle), then resolves all departments in one pass and keeps only
enabled, not deleted members: a handful of queries per group whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcore.admin.scope import descendants
from mailcore.core.models import Department, GroupEntry, Member


async def expand(group_ids: Iterable[int]) -> set[int]:
    """Ids of the enabled members the groups reach (nested groups and departments included)."""
    frontier = set(group_ids)
    seen: set[int] = set()
    member_ids: set[int] = set()
    department_ids: set[int] = set()
    while frontier:
        seen |= frontier
        rows = await GroupEntry.filter(group_id__in=frontier).values_list(
            "member_id", "department_id", "subgroup_id"
        )
        frontier = set()
        for member_id, department_id, subgroup_id in rows:
            if member_id is not None:
                member_ids.add(member_id)
            if department_id is not None:
                department_ids.add(department_id)
            if subgroup_id is not None and subgroup_id not in seen:
                frontier.add(subgroup_id)
    found: set[int] = set()
    if member_ids:
        found |= set(
            await Member.filter(id__in=member_ids, enabled=True, deleted_at=None).values_list(
                "id", flat=True
            )
        )
    if department_ids:
        found |= await department_members(department_ids)
    return found


async def department_members(department_ids: Iterable[int]) -> set[int]:
    """Enabled members of the departments and of all their sub-departments."""
    roots = list(set(department_ids))
    if not roots:
        return set()
    subtree: set[int] = set()
    enterprises = await Department.filter(id__in=roots).values_list("enterprise_id", flat=True)
    for enterprise_id in set(enterprises):
        subtree |= await descendants(enterprise_id, roots)
    if not subtree:
        return set()
    return set(
        await Member.filter(memberships__department_id__in=subtree, enabled=True, deleted_at=None)
        .distinct()
        .values_list("id", flat=True)
    )
