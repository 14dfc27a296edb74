"""Administering members: create and update with every field, checked and logged.

Needs the ``members`` permission; scoped admins act only on members in their departments,
and place members only into departments of their scope (memberships outside their scope
stay as they are). Nothing is written unless every field is valid.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode, forbidden
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.events import Bus
from mailcore.core.models import (
    AdminPermission,
    Alias,
    AuthSession,
    DepartmentMember,
    Domain,
    MailGroup,
    MeetingRoom,
    Member,
)
from mailcore.directory import validate
from mailcore.directory.departments import covers
from mailcore.directory.keys import search_key
from mailcore.directory.nodes import Tree, load_tree
from mailcore.org.addresses import address_problem, normalize_address, split_address
from mailcore.org.passwords import hash_password
from mailcore.org.sessions import revoked_everywhere
from mailcore.store.folders import ensure_system_folders

MEMBERS = AdminPermission.MEMBERS
MAX_DEPARTMENTS = 20
ADDRESS_MAX = 254


@dataclass
class MemberFields:
    """What an admin sets on a member; None means "not given" (unchanged on update)."""

    email: str | None = None
    name: str | None = None
    password: str | None = None
    position: str | None = None
    mobile: str | None = None
    tel: str | None = None
    extid: str | None = None
    gender: int | None = None
    department_ids: list[int] | None = None
    vip: bool | None = None
    quota: str | int | None = None
    hidden: bool | None = None
    must_change_password: bool | None = None


async def find_for_admin(scope: AdminScope, email: str, field: str = "email") -> Member:
    """The member with this address (or alias), which the caller may administer."""
    scope.require(MEMBERS)
    address = normalize_address(email)
    member = None
    if 0 < len(address) <= ADDRESS_MAX and "\x00" not in address:
        member = await Member.filter(email=address).first()
        if member is None:
            alias = await Alias.filter(email=address).select_related("member").first()
            member = alias.member if alias else None
    if member is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no member {email[:ADDRESS_MAX]}", field)
    await scope.require_member(MEMBERS, member)
    return member


async def hosted_address(scope: AdminScope, email: str, field: str) -> tuple[str, Domain]:
    """A valid address in a primary or extra (not alias) domain of the caller's enterprise."""
    address = normalize_address(email)
    problem = "too long" if len(address) > ADDRESS_MAX else address_problem(address)
    if problem:
        raise validate.invalid(f"not a valid address: {email[:ADDRESS_MAX]!r}: {problem}", field)
    _, domain_name = split_address(address)
    domain = await Domain.filter(name=domain_name).first()
    if domain is None:
        raise validate.invalid(f"{domain_name} is not a domain hosted here", field)
    if domain.enterprise_id != scope.enterprise_id:
        raise AdminError(
            AdminErrorCode.FORBIDDEN, f"{domain_name} belongs to another enterprise", field
        )
    if domain.is_alias:
        raise validate.invalid(
            f"{domain_name} is an alias domain: use an address in the primary domain", field
        )
    return address, domain


async def require_free(address: str, field: str, member_id: int | None = None) -> None:
    """No other member, alias, group or meeting room uses this address."""
    owner = await Member.filter(email=address).values_list("id", flat=True)
    if (owner and owner[0] != member_id) or await Alias.filter(email=address).exists():
        raise AdminError(AdminErrorCode.ALREADY_EXISTS, f"{address} is already in use", field)
    if await MailGroup.filter(email=address).exists():
        raise AdminError(AdminErrorCode.ALREADY_EXISTS, f"{address} is a mail group", field)
    if await MeetingRoom.filter(address=address).exists():
        raise AdminError(AdminErrorCode.ALREADY_EXISTS, f"{address} is a meeting room", field)


def _clean_profile(given: MemberFields) -> dict[str, object]:
    """Model values for the plain fields that were given."""
    out: dict[str, object] = {}
    if given.name is not None:
        out["name"] = validate.member_name(given.name)
    if given.position is not None:
        out["position"] = validate.text(given.position, "position", maximum=validate.POSITION_MAX)
    if given.mobile is not None:
        out["mobile"] = validate.phone(given.mobile, "mobile")
    if given.tel is not None:
        out["tel"] = validate.phone(given.tel, "tel")
    if given.extid is not None:
        out["extid"] = validate.extid(given.extid)
    if given.gender is not None:
        out["gender"] = validate.gender(given.gender)
    if given.quota is not None:
        out["quota_bytes"] = validate.quota(given.quota)
    if given.vip is not None:
        out["is_vip"] = given.vip
    if given.hidden is not None:
        out["hidden"] = given.hidden
    if given.must_change_password is not None:
        out["must_change_password"] = given.must_change_password
    if given.password is not None:
        validate.password(given.password)
    return out


def check_departments(scope: AdminScope, tree: Tree, ids: list[int]) -> list[int]:
    if not ids:
        raise validate.invalid("a member needs at least one department", "departmentIds")
    if len(ids) > MAX_DEPARTMENTS:
        raise validate.invalid(
            f"a member is in at most {MAX_DEPARTMENTS} departments", "departmentIds"
        )
    for pk in ids:
        if pk not in tree.nodes:
            raise AdminError(AdminErrorCode.NOT_FOUND, "no such department", "departmentIds")
        if not covers(scope, tree, pk):
            raise forbidden("that department is outside your administration scope")
    return list(dict.fromkeys(ids))


async def set_departments(scope: AdminScope, tree: Tree, member_id: int, wanted: list[int]) -> None:
    """Make the member's departments ``wanted`` plus those outside the caller's scope."""
    current = set(
        await DepartmentMember.filter(member_id=member_id).values_list("department_id", flat=True)
    )
    final = set(wanted) | {d for d in current if not covers(scope, tree, d)}
    if current - final:
        await DepartmentMember.filter(
            member_id=member_id, department_id__in=sorted(current - final)
        ).delete()
    missing = sorted(final - current)
    if missing:
        await DepartmentMember.bulk_create(
            [DepartmentMember(member_id=member_id, department_id=d) for d in missing]
        )


async def hash_off_loop(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def create_member(
    scope: AdminScope,
    given: MemberFields,
    *,
    default_quota: int,
    tree: Tree | None = None,
    password_hash: str | None = None,
) -> Member:
    """Create a member in a domain of the caller's enterprise (root department by default)."""
    scope.require(MEMBERS)
    if not given.email:
        raise validate.invalid("an address is needed", "email")
    if given.password is None and password_hash is None:
        raise validate.invalid("a password is needed", "password")
    address, domain = await hosted_address(scope, given.email, "email")
    values = _clean_profile(given)
    tree = tree or await load_tree(scope.enterprise_id)
    wanted = given.department_ids if given.department_ids is not None else [tree.root_id]
    departments = check_departments(scope, tree, wanted)
    await require_free(address, "email")
    if password_hash is None:
        password_hash = await hash_off_loop(given.password or "")
    name = str(values.pop("name", "") or address.split("@")[0])
    values.setdefault("quota_bytes", default_quota)
    async with in_transaction():
        member = await Member.create(
            enterprise_id=scope.enterprise_id,
            domain=domain,
            email=address,
            name=name,
            password_hash=password_hash,
            search_key=search_key(name, address),
            **values,
        )
        await ensure_system_folders(member.id)
        await set_departments(scope, tree, member.id, departments)
        await record(
            scope,
            "member.create",
            address,
            fields=_named(given),
            department_ids=departments,
        )
    return member


async def update_member(
    scope: AdminScope,
    member: Member,
    given: MemberFields,
    *,
    tree: Tree | None = None,
    password_hash: str | None = None,
    bus: Bus | None,
) -> Member:
    """Change the given fields of a member the caller administers (a new password signs them
    out: announced on ``bus``)."""
    await scope.require_member(MEMBERS, member)
    values = _clean_profile(given)
    if given.email is not None:
        address, domain = await hosted_address(scope, given.email, "email")
        if address != member.email:
            await require_free(address, "email", member.id)
            values["email"], values["domain_id"] = address, domain.id
    departments = None
    if given.department_ids is not None:
        tree = tree or await load_tree(scope.enterprise_id)
        departments = check_departments(scope, tree, given.department_ids)
    if given.password is not None and password_hash is None:
        password_hash = await hash_off_loop(given.password)
    if password_hash is not None:
        values["password_hash"] = password_hash
    if "name" in values or "email" in values:
        values["search_key"] = search_key(
            str(values.get("name", member.name)), str(values.get("email", member.email))
        )
    async with in_transaction():
        if values:
            await Member.filter(id=member.id).update(**values)
        if departments is not None and tree is not None:
            await set_departments(scope, tree, member.id, departments)
        if password_hash is not None:  # a new password set by an admin signs them out
            await AuthSession.filter(member_id=member.id).update(revoked=True)
        await record(
            scope,
            "member.update",
            str(values.get("email", member.email)),
            fields=_named(given),
            **({"department_ids": departments} if departments is not None else {}),
        )
    if password_hash is not None:
        await revoked_everywhere(bus, member.id)
    return await Member.get(id=member.id)


def _named(given: MemberFields) -> list[str]:
    """The fields given (for the log: names only, never the values of passwords)."""
    return [f.name for f in fields(given) if getattr(given, f.name) is not None]


async def reload(member: Member) -> Member:
    return await Member.get(id=member.id)
