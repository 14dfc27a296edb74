"""An administrator's scope: enterprise, permission set and departments (with descendants).

Every admin service takes an ``AdminScope`` and calls its ``require_*`` checks before it
reads or changes anything, so the check cannot be forgotten in a resolver. A super admin
may do everything in their enterprise; a scoped admin only what their permissions name,
and, for members and departments, only inside their departments' subtrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailcore.admin.errors import forbidden
from mailcore.models import AdminPermission, AdminRole, Department, DepartmentMember, Member


@dataclass(frozen=True)
class AdminScope:
    enterprise_id: int
    actor: str  # the admin's address, "app:<corpid>" or "cli"
    actor_member_id: int | None
    is_super: bool
    permissions: frozenset[AdminPermission] = frozenset()
    department_ids: frozenset[int] = field(default_factory=frozenset)  # with descendants
    ip: str = ""

    def may(self, permission: AdminPermission) -> bool:
        return self.is_super or permission in self.permissions

    def require(self, permission: AdminPermission) -> None:
        if not self.may(permission):
            raise forbidden(f"this needs the {permission.value} administration permission")

    def require_enterprise(self, enterprise_id: int) -> None:
        if enterprise_id != self.enterprise_id:
            raise forbidden("that belongs to another enterprise")

    def covers_department(self, department_id: int) -> bool:
        return self.is_super or department_id in self.department_ids

    def require_department(self, permission: AdminPermission, department_id: int) -> None:
        self.require(permission)
        if not self.covers_department(department_id):
            raise forbidden("that department is outside your administration scope")

    async def require_member(self, permission: AdminPermission, member: Member) -> None:
        """The member must be in this enterprise and (scoped admins) in one of their departments."""
        self.require(permission)
        self.require_enterprise(member.enterprise_id)
        if self.is_super:
            return
        departments = await DepartmentMember.filter(member_id=member.id).values_list(
            "department_id", flat=True
        )
        if not any(d in self.department_ids for d in departments):
            raise forbidden("that member is outside your administration scope")


async def descendants(enterprise_id: int, roots: list[int]) -> set[int]:
    """The given departments and all below them (one query for the whole tree)."""
    rows = await Department.filter(enterprise_id=enterprise_id).values_list("id", "parent_id")
    children: dict[int | None, list[int]] = {}
    for pk, parent in rows:
        children.setdefault(parent, []).append(pk)
    found, frontier = set(), [r for r in roots if any(r == pk for pk, _ in rows)]
    while frontier:
        current = frontier.pop()
        if current not in found:
            found.add(current)
            frontier.extend(children.get(current, []))
    return found


async def scope_for(member: Member, ip: str = "") -> AdminScope | None:
    """The admin scope of a member, or None if they are not an administrator."""
    role = await AdminRole.filter(member_id=member.id, enterprise_id=member.enterprise_id).first()
    if role is None or not member.enabled or member.deleted_at is not None:
        return None
    permissions = frozenset(AdminPermission(p) for p in role.permissions)
    departments = (
        frozenset()
        if role.is_super
        else frozenset(await descendants(member.enterprise_id, list(role.department_ids)))
    )
    return AdminScope(
        enterprise_id=member.enterprise_id,
        actor=member.email,
        actor_member_id=member.id,
        is_super=role.is_super,
        permissions=permissions,
        department_ids=departments,
        ip=ip,
    )


def system_scope(enterprise_id: int, actor: str = "cli") -> AdminScope:
    """Full rights in one enterprise, for the CLI and trusted internal callers."""
    return AdminScope(enterprise_id=enterprise_id, actor=actor, actor_member_id=None, is_super=True)
