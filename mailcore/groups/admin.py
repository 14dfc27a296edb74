"""Enterprise mail groups as administrators manage them (permission ``groups``).

A group has an address in a hosted (non-alias) domain of its enterprise, unique across
members, aliases and groups; a name; entries mixing members, departments and other groups;
and a posting permission. Cycles (a group reaching itself through nested groups) are refused.
A scoped administrator may only put members and departments of their own departments in a
group, and only change or delete groups whose entries are all within their scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import (
    AdminPermission,
    Alias,
    Department,
    DepartmentMember,
    Domain,
    GroupEntry,
    MailGroup,
    MeetingRoom,
    Member,
    PostingPermission,
)
from mailcore.org.addresses import is_valid_address, normalize_address, split_address

MAX_NAME = 64
MAX_ENTRIES = 5000
MAX_ALLOWED_SENDERS = 1000


@dataclass
class GroupSpec:
    """The fields to set; ``None`` leaves a field unchanged on update (create needs all but
    the entries and senders)."""

    email: str | None = None
    name: str | None = None
    permission: PostingPermission | None = None
    allowed_senders: list[str] | None = None
    members: list[str] | None = None  # member addresses (or aliases)
    department_ids: list[int] | None = None
    group_ids: list[int] | None = None


@dataclass
class GroupView:
    group: MailGroup
    members: list[Member] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    subgroups: list[MailGroup] = field(default_factory=list)


def _invalid(message: str, field_name: str) -> AdminError:
    return AdminError(AdminErrorCode.INVALID, message, field_name)


async def list_groups(scope: AdminScope) -> list[GroupView]:
    scope.require(AdminPermission.GROUPS)
    groups = await MailGroup.filter(enterprise_id=scope.enterprise_id).order_by("name", "id")
    return await _views(groups)


async def get_group(scope: AdminScope, group_id: int) -> GroupView:
    scope.require(AdminPermission.GROUPS)
    return (await _views([await _group(scope, group_id)]))[0]


async def create_group(scope: AdminScope, spec: GroupSpec) -> GroupView:
    scope.require(AdminPermission.GROUPS)
    if spec.email is None or spec.name is None:
        raise _invalid("a group needs an address and a name", "email")
    email = await _check_address(scope.enterprise_id, spec.email, None)
    name = _check_name(spec.name)
    permission = spec.permission if spec.permission is not None else PostingPermission.COMPANY
    senders = _check_senders(permission, spec.allowed_senders or [])
    member_ids = await _member_ids(scope.enterprise_id, spec.members or [])
    department_ids = await _department_ids(scope.enterprise_id, spec.department_ids or [])
    group_ids = await _group_ids(scope.enterprise_id, spec.group_ids or [])
    _check_size(member_ids, department_ids, group_ids)
    await _require_in_scope(scope, member_ids, department_ids, group_ids)
    async with in_transaction():
        group = await MailGroup.create(
            enterprise_id=scope.enterprise_id,
            email=email,
            name=name,
            permission=permission,
            allowed_senders=senders,
        )
        await _write_entries(group.id, member_ids, department_ids, group_ids)
        await record(scope, "group.create", email, name=name, permission=int(permission))
    return await get_group(scope, group.id)


async def update_group(scope: AdminScope, group_id: int, spec: GroupSpec) -> GroupView:
    scope.require(AdminPermission.GROUPS)
    view = await get_group(scope, group_id)
    group = view.group
    await _require_in_scope(
        scope,
        [m.id for m in view.members],
        [d.id for d in view.departments],
        [g.id for g in view.subgroups],
    )
    email = (
        await _check_address(scope.enterprise_id, spec.email, group.id)
        if spec.email is not None
        else group.email
    )
    name = _check_name(spec.name) if spec.name is not None else group.name
    permission = spec.permission if spec.permission is not None else group.permission
    senders = _check_senders(
        PostingPermission(permission),
        spec.allowed_senders if spec.allowed_senders is not None else group.allowed_senders,
    )
    member_ids = (
        await _member_ids(scope.enterprise_id, spec.members)
        if spec.members is not None
        else [m.id for m in view.members]
    )
    department_ids = (
        await _department_ids(scope.enterprise_id, spec.department_ids)
        if spec.department_ids is not None
        else [d.id for d in view.departments]
    )
    group_ids = (
        await _group_ids(scope.enterprise_id, spec.group_ids)
        if spec.group_ids is not None
        else [g.id for g in view.subgroups]
    )
    _check_size(member_ids, department_ids, group_ids)
    await _require_in_scope(scope, member_ids, department_ids, group_ids)
    await _check_no_cycle(scope.enterprise_id, group.id, group_ids)
    async with in_transaction():
        await MailGroup.filter(id=group.id).update(
            email=email, name=name, permission=permission, allowed_senders=senders
        )
        await GroupEntry.filter(group_id=group.id).delete()
        await _write_entries(group.id, member_ids, department_ids, group_ids)
        await record(scope, "group.update", email, name=name, permission=int(permission))
    return await get_group(scope, group.id)


async def delete_group(scope: AdminScope, group_id: int) -> None:
    scope.require(AdminPermission.GROUPS)
    view = await get_group(scope, group_id)
    await _require_in_scope(
        scope,
        [m.id for m in view.members],
        [d.id for d in view.departments],
        [g.id for g in view.subgroups],
    )
    async with in_transaction():
        await MailGroup.filter(id=group_id).delete()
        await record(scope, "group.delete", view.group.email)


# --- checks ------------------------------------------------------------------------------


async def _group(scope: AdminScope, group_id: int) -> MailGroup:
    group = await MailGroup.filter(id=group_id).first()
    if group is None or group.enterprise_id != scope.enterprise_id:
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such group", "id")
    return group


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise _invalid(f"the name needs 1 to {MAX_NAME} characters", "name")
    return name


async def address_taken(address: str, except_group: int | None = None) -> bool:
    """Whether a member, an alias, another group or a meeting room already has this address."""
    groups = MailGroup.filter(email=address)
    if except_group is not None:
        groups = groups.exclude(id=except_group)
    return (
        await Member.filter(email=address).exists()
        or await Alias.filter(email=address).exists()
        or await groups.exists()
        or await MeetingRoom.filter(address=address).exists()
    )


async def _check_address(enterprise_id: int, raw: str, group_id: int | None) -> str:
    email = normalize_address(raw)
    if not is_valid_address(email):
        raise _invalid(f"not a valid address: {raw!r}", "email")
    domain = await Domain.filter(name=split_address(email)[1]).first()
    if domain is None or domain.enterprise_id != enterprise_id:
        raise _invalid(f"{split_address(email)[1]} is not a domain of this enterprise", "email")
    if domain.is_alias:
        raise _invalid("a group address cannot be in an alias domain", "email")
    if await address_taken(email, group_id):
        raise AdminError(AdminErrorCode.ALREADY_EXISTS, f"{email} is already in use", "email")
    return email


def _check_senders(permission: PostingPermission, senders: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(normalize_address(s) for s in senders if s.strip()))
    if len(cleaned) > MAX_ALLOWED_SENDERS:
        raise _invalid(f"at most {MAX_ALLOWED_SENDERS} allowed senders", "allowedSenders")
    for address in cleaned:
        if not is_valid_address(address):
            raise _invalid(f"not a valid address: {address!r}", "allowedSenders")
    if permission is PostingPermission.LISTED and not cleaned:
        raise _invalid("list the senders who may post to this group", "allowedSenders")
    return cleaned


def _check_size(member_ids: list[int], department_ids: list[int], group_ids: list[int]) -> None:
    if len(member_ids) + len(department_ids) + len(group_ids) > MAX_ENTRIES:
        raise _invalid(f"a group has at most {MAX_ENTRIES} entries", "members")


async def _member_ids(enterprise_id: int, addresses: list[str]) -> list[int]:
    wanted = list(dict.fromkeys(normalize_address(a) for a in addresses if a.strip()))
    if not wanted:
        return []
    found = dict(
        await Member.filter(
            email__in=wanted, enterprise_id=enterprise_id, deleted_at=None
        ).values_list("email", "id")
    )
    found.update(
        dict(
            await Alias.filter(
                email__in=wanted, member__enterprise_id=enterprise_id, member__deleted_at=None
            ).values_list("email", "member_id")
        )
    )
    missing = [a for a in wanted if a not in found]
    if missing:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no member {missing[0]}", "members")
    return list(dict.fromkeys(found[a] for a in wanted))


async def _department_ids(enterprise_id: int, ids: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    found = set(
        await Department.filter(id__in=wanted, enterprise_id=enterprise_id).values_list(
            "id", flat=True
        )
    )
    if len(found) != len(wanted):
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such department", "departmentIds")
    return wanted


async def _group_ids(enterprise_id: int, ids: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    found = set(
        await MailGroup.filter(id__in=wanted, enterprise_id=enterprise_id).values_list(
            "id", flat=True
        )
    )
    if len(found) != len(wanted):
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such group", "groupIds")
    return wanted


async def _check_no_cycle(enterprise_id: int, group_id: int, subgroup_ids: list[int]) -> None:
    """Refuse subgroups that contain (directly or through others) the group itself."""
    edges = await GroupEntry.filter(
        group__enterprise_id=enterprise_id, subgroup_id__isnull=False
    ).values_list("group_id", "subgroup_id")
    children: dict[int, set[int]] = {}
    for parent, child in edges:
        if parent != group_id:  # its own entries are being replaced
            children.setdefault(parent, set()).add(child)
    seen: set[int] = set()
    frontier = list(subgroup_ids)
    while frontier:
        current = frontier.pop()
        if current == group_id:
            raise AdminError(
                AdminErrorCode.CYCLE, "a group cannot contain itself, even indirectly", "groupIds"
            )
        if current not in seen:
            seen.add(current)
            frontier.extend(children.get(current, ()))


async def _require_in_scope(
    scope: AdminScope, member_ids: list[int], department_ids: list[int], group_ids: list[int]
) -> None:
    """A scoped admin may only handle members and departments inside their scope, and groups
    whose own members and departments are."""
    if scope.is_super:
        return
    if group_ids:
        rows = await GroupEntry.filter(group_id__in=group_ids).values_list(
            "member_id", "department_id"
        )
        member_ids = [*member_ids, *(m for m, _ in rows if m is not None)]
        department_ids = [*department_ids, *(d for _, d in rows if d is not None)]
    if any(d not in scope.department_ids for d in department_ids):
        raise AdminError(
            AdminErrorCode.FORBIDDEN, "a department is outside your scope", "departmentIds"
        )
    if member_ids:
        covered = set(
            await DepartmentMember.filter(
                member_id__in=set(member_ids), department_id__in=list(scope.department_ids)
            ).values_list("member_id", flat=True)
        )
        if any(m not in covered for m in member_ids):
            raise AdminError(AdminErrorCode.FORBIDDEN, "a member is outside your scope", "members")


async def _write_entries(
    group_id: int, member_ids: list[int], department_ids: list[int], group_ids: list[int]
) -> None:
    entries = [GroupEntry(group_id=group_id, member_id=m) for m in member_ids]
    entries += [GroupEntry(group_id=group_id, department_id=d) for d in department_ids]
    entries += [GroupEntry(group_id=group_id, subgroup_id=g) for g in group_ids]
    if entries:
        await GroupEntry.bulk_create(entries, batch_size=1000)


async def _views(groups: list[MailGroup]) -> list[GroupView]:
    """Groups with their entries: one query for all entries (with their targets)."""
    views = {g.id: GroupView(group=g) for g in groups}
    if not views:
        return []
    entries = (
        await GroupEntry.filter(group_id__in=list(views))
        .select_related("member", "department", "subgroup")
        .order_by("id")
    )
    for entry in entries:
        view = views[entry.group_id]
        if entry.member_id is not None:
            view.members.append(entry.member)
        elif entry.department_id is not None:
            view.departments.append(entry.department)
        elif entry.subgroup_id is not None:
            view.subgroups.append(entry.subgroup)
    return list(views.values())
