"""Who a notice reaches: the whole company, or the members of departments and their subtrees.

Posting stores the receipts set-based on the database server: one ``INSERT ... SELECT``
from the members (the whole company), or one per 500 target departments (their subtrees,
computed in one query for the tree), so 100,000 recipients never become Python objects.
A live subscriber instead loads once the departments its member belongs to together with
their ancestors, so it can tell from a notice's target departments alone whether it is meant.
"""

from __future__ import annotations

from mailcore.admin.scope import descendants
from mailcore.core.models import Department, DepartmentMember
from mailcore.core.sqlwork import IN_LIST, Statement, Work, batches, marks

# The members a notice may reach: enabled, not deleted (as groups and mail routing count them).
_REACHABLE = "m.enabled = ? AND m.deleted_at IS NULL"


async def audience(enterprise_id: int, department_ids: list[int]) -> list[int] | None:
    """The departments a notice reaches with all their sub-departments, sorted; None for the
    whole company (no departments given)."""
    if not department_ids:
        return None
    return sorted(await descendants(enterprise_id, department_ids))


def store_receipts(
    notice_id: int, enterprise_id: int, departments: list[int] | None, chunk: int = IN_LIST
) -> Work[int]:
    """Insert one unread receipt per member the notice reaches (``departments`` as from
    ``audience``, ``chunk`` of them per statement); returns how many receipts it has."""
    head = 'INSERT INTO "notice_receipt" ("notice_id", "member_id") '
    if departments is None:
        yield Statement(
            f'{head}SELECT CAST(? AS INTEGER), m."id" FROM "member" m'
            f' WHERE m."enterprise_id" = ? AND {_REACHABLE}',
            (notice_id, enterprise_id, True),
        )
    else:
        # A member of several target departments gets one receipt: DISTINCT within one
        # statement, the conflict clause across statements.
        for part in batches(departments, chunk):
            yield Statement(
                f'{head}SELECT DISTINCT CAST(? AS INTEGER), m."id" FROM "member" m'
                ' JOIN "department_member" dm ON dm."member_id" = m."id"'
                f' WHERE dm."department_id" IN ({marks(len(part))}) AND {_REACHABLE}'
                ' ON CONFLICT ("notice_id", "member_id") DO NOTHING',
                (notice_id, *part, True),
            )
    rows = yield Statement(
        'SELECT count(*) FROM "notice_receipt" WHERE "notice_id" = ?', (notice_id,)
    )
    return int(rows[0][0])


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
