"""IP login limits (A8): allow-lists of networks for the enterprise, a department or a member.

A member may sign in when no rule applies to them, or when their IP is inside one of the
rules that do: their own, those of their departments and every parent department, and the
enterprise's. Every protocol checks this through ``mailcore.security.login``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, Department, DepartmentMember, IpRule, Member
from mailcore.security.scope import member_for, require_whole_enterprise

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_RULES = 1000  # per enterprise
SECURITY = AdminPermission.SECURITY


@dataclass(frozen=True)
class Target:
    """What a rule is for: the enterprise (neither set), a department or a member."""

    department_id: int | None = None
    email: str | None = None


def parse_network(text: str) -> IpNetwork:
    """A CIDR (``10.0.0.0/8``, ``2001:db8::/32``) or a single address; host bits are cleared."""
    value = (text or "").strip()
    if not value or len(value) > 64:
        raise AdminError(AdminErrorCode.INVALID, "give a network such as 10.0.0.0/8", "cidr")
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise AdminError(AdminErrorCode.INVALID, f"not an IP network: {value}", "cidr") from exc


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client address (IPv4-mapped IPv6 becomes IPv4), or None when it is not an IP."""
    try:
        address = ipaddress.ip_address((text or "").strip().strip("[]").split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


async def _departments_upwards(member: Member) -> set[int]:
    """The member's departments and all their parents."""
    own = await DepartmentMember.filter(member_id=member.id).values_list("department_id", flat=True)
    if not own:
        return set()
    parents = dict(
        await Department.filter(enterprise_id=member.enterprise_id).values_list("id", "parent_id")
    )
    found: set[int] = set()
    for start in own:
        current: int | None = start
        while current is not None and current not in found:
            found.add(current)
            current = parents.get(current)
    return found


async def rules_for(member: Member) -> list[str]:
    """The networks that apply to a member (empty: no limit)."""
    if not await IpRule.filter(enterprise_id=member.enterprise_id).exists():
        return []
    departments = await _departments_upwards(member)
    applies = Q(member_id=member.id) | Q(member_id=None, department_id=None)
    if departments:
        applies |= Q(department_id__in=list(departments))
    return list(
        await IpRule.filter(applies, enterprise_id=member.enterprise_id).values_list(
            "cidr", flat=True
        )
    )


async def ip_allowed(member: Member, ip: str) -> bool:
    networks = await rules_for(member)
    if not networks:
        return True
    address = parse_ip(ip)
    if address is None:
        return False
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in networks)


async def _department(scope: AdminScope, department_id: int | str) -> int:
    try:
        pk = int(department_id)
    except (TypeError, ValueError):
        pk = -1
    if not await Department.filter(id=pk, enterprise_id=scope.enterprise_id).exists():
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such department", "departmentId")
    scope.require_department(SECURITY, pk)
    return pk


async def _authorize(scope: AdminScope, target: Target) -> tuple[int | None, Member | None]:
    """Check the admin may manage rules for ``target``; returns (department id, member)."""
    if target.department_id is not None and target.email is not None:
        raise AdminError(
            AdminErrorCode.INVALID, "a rule is for a department or a member, not both", "email"
        )
    if target.department_id is not None:
        return await _department(scope, target.department_id), None
    if target.email is not None:
        return None, await member_for(scope, SECURITY, target.email)
    await require_whole_enterprise(scope, SECURITY)
    return None, None


async def add_rule(scope: AdminScope, cidr: str, target: Target) -> IpRule:
    scope.require(SECURITY)
    department_id, member = await _authorize(scope, target)
    network = str(parse_network(cidr))
    same = IpRule.filter(
        enterprise_id=scope.enterprise_id,
        department_id=department_id,
        member_id=member.id if member else None,
        cidr=network,
    )
    if await same.exists():
        raise AdminError(AdminErrorCode.ALREADY_EXISTS, f"{network} is already allowed", "cidr")
    if await IpRule.filter(enterprise_id=scope.enterprise_id).count() >= MAX_RULES:
        raise AdminError(AdminErrorCode.INVALID, f"at most {MAX_RULES} rules", "cidr")
    async with in_transaction():
        rule = await IpRule.create(
            enterprise_id=scope.enterprise_id,
            department_id=department_id,
            member_id=member.id if member else None,
            cidr=network,
        )
        await record(
            scope,
            "security.ip_rule.add",
            member.email if member else f"department:{department_id}" if department_id else "",
            cidr=network,
            rule=rule.id,
        )
    return await IpRule.get(id=rule.id).select_related("member")


async def remove_rule(scope: AdminScope, rule_id: int | str) -> None:
    scope.require(SECURITY)
    try:
        pk = int(rule_id)
    except (TypeError, ValueError):
        pk = -1
    rule = (
        await IpRule.filter(id=pk, enterprise_id=scope.enterprise_id)
        .select_related("member")
        .first()
    )
    if rule is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such rule", "id")
    email = rule.member.email if rule.member else None
    await _authorize(scope, Target(department_id=rule.department_id, email=email))
    async with in_transaction():
        await IpRule.filter(id=rule.id).delete()
        await record(scope, "security.ip_rule.remove", email or "", cidr=rule.cidr, rule=rule.id)


async def list_rules(scope: AdminScope) -> list[IpRule]:
    """Enterprise rules, and the department/member rules within the admin's scope."""
    scope.require(SECURITY)
    rules = (
        await IpRule.filter(enterprise_id=scope.enterprise_id)
        .select_related("member")
        .order_by("id")
    )
    if scope.is_super:
        return list(rules)
    member_ids = {r.member_id for r in rules if r.member_id}
    in_scope = set(
        await DepartmentMember.filter(
            member_id__in=list(member_ids), department_id__in=list(scope.department_ids)
        ).values_list("member_id", flat=True)
    )
    return [
        r
        for r in rules
        if (r.member_id is None and r.department_id is None)
        or (r.department_id is not None and scope.covers_department(r.department_id))
        or (r.member_id is not None and r.member_id in in_scope)
    ]
