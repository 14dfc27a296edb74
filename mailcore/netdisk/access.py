"""Who may do what in a space: the caller's role on a space or folder.

A role comes from grants (``NetdiskGrant``) on the space or on any folder above the node, to
the member, to one of their departments (or an ancestor department), or to a mail group they
are in; the highest one counts. Without a grant: the owner of a personal space is its
manager; every member of the enterprise views the company space; the members of a department
(and its sub-departments) view its space. Nothing crosses enterprises: a space of another
enterprise is not found."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from mailcore.core.models import (
    GroupEntry,
    Member,
    NetdiskGrant,
    NetdiskNode,
    NetdiskRole,
    PrincipalKind,
    Space,
    SpaceKind,
)
from mailcore.netdisk.errors import NetdiskError, NetdiskErrorCode
from mailcore.notices.audience import reach

RANK = {role: rank for rank, role in enumerate(NetdiskRole, start=1)}
VERBS = {
    NetdiskRole.VIEWER: "view",
    NetdiskRole.UPLOADER: "upload to",
    NetdiskRole.EDITOR: "change",
    NetdiskRole.MANAGER: "manage",
}


@dataclass(frozen=True)
class Principals:
    member_id: int
    enterprise_id: int
    departments: frozenset[int]  # with their ancestors
    groups: frozenset[int]

    def holds(self, kind: PrincipalKind, principal_id: int) -> bool:
        if kind is PrincipalKind.MEMBER:
            return principal_id == self.member_id
        if kind is PrincipalKind.DEPARTMENT:
            return principal_id in self.departments
        return principal_id in self.groups


async def principals(member: Member) -> Principals:
    departments = await reach(member.id, member.enterprise_id)
    direct = await GroupEntry.filter(
        Q(member_id=member.id) | Q(department_id__in=list(departments))
    ).values_list("group_id", flat=True)
    groups = set(direct)
    frontier = set(direct)
    while frontier:  # groups inside groups
        outer = set(
            await GroupEntry.filter(subgroup_id__in=list(frontier)).values_list(
                "group_id", flat=True
            )
        )
        frontier = outer - groups
        groups |= outer
    return Principals(member.id, member.enterprise_id, departments, frozenset(groups))


async def ancestors(node: NetdiskNode | None) -> list[int]:
    """The ids of ``node`` and every folder above it."""
    chain: list[int] = []
    current = node
    while current is not None:
        chain.append(current.id)
        if current.parent_id is None:  # type: ignore[attr-defined]
            break
        current = await NetdiskNode.get_or_none(id=current.parent_id)  # type: ignore[attr-defined]
    return chain


async def role_in(
    who: Principals, space: Space, node: NetdiskNode | None = None
) -> NetdiskRole | None:
    """The caller's role on ``node`` (None: the space's root) of ``space``; None: no access."""
    if space.enterprise_id != who.enterprise_id:  # type: ignore[attr-defined]
        return None
    best: NetdiskRole | None = None
    if space.kind == SpaceKind.PERSONAL and space.owner_id == who.member_id:  # type: ignore[attr-defined]
        return NetdiskRole.MANAGER
    if space.kind == SpaceKind.COMPANY or (
        space.kind == SpaceKind.DEPARTMENT and space.department_id in who.departments  # type: ignore[attr-defined]
    ):
        best = NetdiskRole.VIEWER
    chain = await ancestors(node)
    grants = await NetdiskGrant.filter(
        Q(space_id=space.id) & (Q(node_id=None) | Q(node_id__in=chain or [0]))
    ).values_list("principal_kind", "principal_id", "role")
    for kind, principal_id, role in grants:
        if who.holds(PrincipalKind(kind), principal_id) and (
            best is None or RANK[NetdiskRole(role)] > RANK[best]
        ):
            best = NetdiskRole(role)
    return best


def _held(who: Principals) -> Q:
    """Grants to the caller: to them, to one of their departments or to one of their groups."""
    return (
        Q(principal_kind=PrincipalKind.MEMBER, principal_id=who.member_id)
        | Q(principal_kind=PrincipalKind.DEPARTMENT, principal_id__in=list(who.departments) or [0])
        | Q(principal_kind=PrincipalKind.GROUP, principal_id__in=list(who.groups) or [0])
    )


async def shared_spaces(who: Principals, own: Space) -> list[tuple[Space, NetdiskRole]]:
    """The enterprise's spaces other than ``own`` (the caller's personal one) the caller has
    a role in, by kind and name, in two queries: the role on the space's root as ``role_in``
    gives it, or viewer where only a folder inside is granted to them."""
    held: dict[int, list[tuple[int | None, str]]] = {}
    for space_id, node_id, role in await NetdiskGrant.filter(
        _held(who), space__enterprise_id=who.enterprise_id
    ).values_list("space_id", "node_id", "role"):
        held.setdefault(space_id, []).append((node_id, role))
    found: list[tuple[Space, NetdiskRole]] = []
    for space in await Space.filter(enterprise_id=who.enterprise_id).order_by("kind", "name", "id"):
        if space.id == own.id:
            continue
        best: NetdiskRole | None = None
        if space.kind == SpaceKind.COMPANY or (
            space.kind == SpaceKind.DEPARTMENT and space.department_id in who.departments  # type: ignore[attr-defined]
        ):
            best = NetdiskRole.VIEWER
        grants = held.get(space.id, [])
        for node_id, role in grants:
            if node_id is None and (best is None or RANK[NetdiskRole(role)] > RANK[best]):
                best = NetdiskRole(role)
        if best is None and grants:  # a grant on a folder inside only
            best = NetdiskRole.VIEWER
        if best is not None:
            found.append((space, best))
    return found


async def require(
    who: Principals, space: Space, node: NetdiskNode | None, needed: NetdiskRole
) -> NetdiskRole:
    """The caller's role if it is at least ``needed``; NOT_FOUND without any role (nothing
    is told about spaces one cannot see), FORBIDDEN with a lower one."""
    role = await role_in(who, space, node)
    if role is None:
        raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such space or folder")
    if RANK[role] < RANK[needed]:
        raise NetdiskError(
            NetdiskErrorCode.FORBIDDEN,
            f"you are {role.value} here: you cannot {VERBS[needed]} it",
        )
    return role
