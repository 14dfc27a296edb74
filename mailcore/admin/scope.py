"""An administrator's scope: enterprise, permission set and departments (with descendants).

Every admin service takes an ``AdminScope`` and calls its ``require_*`` checks before it
reads or changes anything, so the check cannot be forgotten in a resolver. A super admin
may do everything in their enterprise; a scoped admin only what their permissions name,
and, for members and departments, only inside their departments' subtrees.

Rank: ``require_member`` also refuses to administer an administrator who holds rights the
caller does not (``require_rank``). A super admin is administered only by super admins; a
scoped admin only by an admin whose permissions include theirs and whose departments (with
descendants) include theirs. Open API apps (``actor="app:..."``) act for the enterprise on
plain members only: they never change, reset, disable, delete or sign in as an administrator.
The CLI and the system (``system_scope``) are trusted with everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mailcore.admin.errors import forbidden
from mailcore.core.models import AdminPermission, AdminRole, Department, DepartmentMember, Member

APP_PREFIX = "app:"  # the actor of an open API app's scope


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

    @property
    def is_app(self) -> bool:
        return self.actor_member_id is None and self.actor.startswith(APP_PREFIX)

    async def require_visible(self, permission: AdminPermission, member: Member) -> None:
        """For reads: the member is in this enterprise and (scoped admins) their departments."""
        self.require(permission)
        self.require_enterprise(member.enterprise_id)
        if self.is_super:
            return
        departments = await DepartmentMember.filter(member_id=member.id).values_list(
            "department_id", flat=True
        )
        if not any(d in self.department_ids for d in departments):
            raise forbidden("that member is outside your administration scope")

    async def require_member(self, permission: AdminPermission, member: Member) -> None:
        """The caller may administer (change, act as) this member: in scope and of lower rank."""
        await self.require_visible(permission, member)
        await self.require_rank(member)

    async def require_rank(self, member: Member) -> None:
        """Refuse if ``member`` is an administrator with rights this caller does not hold."""
        if member.id == self.actor_member_id:
            return  # their own account: they hold their own rights
        role = await AdminRole.filter(member_id=member.id).first()
        refusal = await self._refusal(role) if role is not None else None
        if refusal:
            raise forbidden(refusal)

    async def outranked(self, member_ids: Iterable[int]) -> set[int]:
        """Of these members, the administrators this caller may not administer (for bulk work
        on many members' mail, where the others are still served)."""
        wanted = [pk for pk in set(member_ids) if pk != self.actor_member_id]
        roles = await AdminRole.filter(member_id__in=wanted) if wanted else []
        return {role.member_id for role in roles if await self._refusal(role)}

    async def _refusal(self, role: AdminRole) -> str | None:
        """Why this caller may not administer the holder of ``role`` (None: they may)."""
        if self.is_app:
            return "an open API app may not administer an administrator"
        if self.is_super:
            return None
        if role.is_super:
            return "only a super administrator may administer a super administrator"
        if not {AdminPermission(p) for p in role.permissions} <= self.permissions:
            return "that administrator has permissions you do not have"
        theirs = await descendants(role.enterprise_id, list(role.department_ids))
        if not theirs <= self.department_ids:
            return "that administrator administers departments outside your scope"
        return None


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
