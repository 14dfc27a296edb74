"""The admin's view of members: pages with usage and status, and one member in full.

Scoped admins see only members of their departments; everyone else in the enterprise is
as invisible to them as members of other enterprises.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from mailcore.admin.scope import AdminScope
from mailcore.core.models import DepartmentMember, Member
from mailcore.directory.aliases import member_aliases
from mailcore.directory.departments import department_in_scope
from mailcore.directory.keys import fill_missing_keys
from mailcore.directory.members import MEMBERS, find_for_admin
from mailcore.directory.nodes import Tree, load_tree
from mailcore.directory.paging import (
    MemberPage,
    clean_query,
    in_departments,
    matching,
    page_members,
)


@dataclass
class AdminMemberPage:
    page: MemberPage
    tree: Tree
    aliases: dict[int, list[str]]


@dataclass
class MemberDetail:
    member: Member
    department_ids: list[int]
    aliases: list[str]
    tree: Tree


def departments_matching(tree: Tree, query: str, among: set[int] | None = None) -> set[int]:
    """Departments whose name contains the query, with their sub-departments."""
    wanted = query.casefold()
    hits = {
        pk
        for pk, node in tree.nodes.items()
        if wanted in node.name.casefold() and (among is None or pk in among)
    }
    found = tree.subtree(hits)
    return found if among is None else found & among


async def list_members(
    scope: AdminScope,
    *,
    department_id: int | None = None,
    recursive: bool = False,
    query: str | None = None,
    first: int | None = None,
    after: str | None = None,
    deleted: bool = False,
) -> AdminMemberPage:
    """Members (or, with ``deleted``, those deleted and not yet purged) the caller manages."""
    scope.require(MEMBERS)
    text = clean_query(query)
    tree = await load_tree(scope.enterprise_id)
    await fill_missing_keys(scope.enterprise_id)
    where = Q(enterprise_id=scope.enterprise_id, deleted_at__isnull=not deleted)
    if not scope.is_super:
        where &= in_departments(set(scope.department_ids) or {0})
    if department_id is not None:
        await department_in_scope(scope, department_id, "departmentId", MEMBERS)
        where &= in_departments(tree.subtree({department_id}) if recursive else {department_id})
    if text:
        where &= matching(text, departments_matching(tree, text))
    page = await page_members(where, first, after)
    return AdminMemberPage(
        page=page, tree=tree, aliases=await member_aliases([m.id for m in page.members])
    )


async def member_detail(scope: AdminScope, email: str) -> MemberDetail:
    return await detail_of(scope, await find_for_admin(scope, email))


async def detail_of(scope: AdminScope, member: Member) -> MemberDetail:
    """Everything about a member a service has just checked (or changed) for this scope."""
    departments = await DepartmentMember.filter(member_id=member.id).values_list(
        "department_id", flat=True
    )
    aliases = await member_aliases([member.id])
    return MemberDetail(
        member=member,
        department_ids=list(departments),
        aliases=aliases[member.id],
        tree=await load_tree(scope.enterprise_id),
    )
