"""The directory every member sees: the department tree and colleagues' contact cards.

Only the viewer's own enterprise, only enabled members, and — unless the viewer
administers members — never hidden members, hidden departments (with everything under
them), or members who belong to hidden departments only. Search matches the name, its
pinyin and initials, the address and department names.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from mailcore.core.models import DepartmentMember, Member
from mailcore.directory.errors import DirectoryError, DirectoryErrorCode
from mailcore.directory.keys import fill_missing_keys
from mailcore.directory.listing import departments_matching
from mailcore.directory.nodes import Node, Tree, load_tree
from mailcore.directory.paging import (
    MemberPage,
    clean_query,
    in_departments,
    matching,
    page_members,
)
from mailcore.org.addresses import normalize_address


@dataclass
class View:
    """What one viewer may see of their enterprise's directory."""

    enterprise_id: int
    tree: Tree
    departments: set[int]  # visible department ids
    include_hidden: bool

    def where(self) -> Q:
        where = Q(enterprise_id=self.enterprise_id, deleted_at__isnull=True, enabled=True)
        if not self.include_hidden:
            where &= Q(hidden=False)
            if len(self.departments) < len(self.tree.nodes):
                where &= in_departments(self.departments)
        return where

    def shown(self, department_ids: list[int]) -> list[int]:
        ids = [d for d in department_ids if d in self.departments]
        return sorted(ids, key=lambda d: self.tree.path_name(d))


@dataclass
class ContactPage:
    page: MemberPage
    view: View


async def view_for(enterprise_id: int, include_hidden: bool) -> View:
    tree = await load_tree(enterprise_id)
    shown = set(tree.nodes) if include_hidden else tree.visible()
    return View(enterprise_id, tree, shown, include_hidden)


async def departments(enterprise_id: int, include_hidden: bool) -> tuple[View, list[Node]]:
    """The visible tree in display order (parents before children)."""
    view = await view_for(enterprise_id, include_hidden)
    return view, [node for node, _ in view.tree.walk() if node.id in view.departments]


async def contacts(
    enterprise_id: int,
    include_hidden: bool,
    *,
    department_id: int | None = None,
    recursive: bool = False,
    query: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> ContactPage:
    text = clean_query(query)
    view = await view_for(enterprise_id, include_hidden)
    await fill_missing_keys(enterprise_id)
    where = view.where()
    if department_id is not None:
        if department_id not in view.departments:
            raise DirectoryError(DirectoryErrorCode.NOT_FOUND, "no such department", "departmentId")
        ids = view.tree.subtree({department_id}) if recursive else {department_id}
        where &= in_departments(ids & view.departments)
    if text:
        where &= matching(text, departments_matching(view.tree, text, view.departments))
    return ContactPage(page=await page_members(where, first, after), view=view)


async def contact(
    enterprise_id: int, include_hidden: bool, email: str
) -> tuple[View, Member, list[int]] | None:
    """One colleague's card by address, or None if there is none the viewer may see."""
    address = normalize_address(email)
    if not address or len(address) > 254 or "\x00" in address:
        return None
    view = await view_for(enterprise_id, include_hidden)
    member = await Member.filter(view.where(), email=address).first()
    if member is None:
        return None
    ids = await DepartmentMember.filter(member_id=member.id).values_list("department_id", flat=True)
    return view, member, list(ids)
