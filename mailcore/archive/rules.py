"""Checks shared by the rule services (backup rules, approval rules): members by address,
departments of the enterprise, and the admin's scope over both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mailcore.admin.errors import forbidden
from mailcore.admin.scope import AdminScope
from mailcore.archive.errors import invalid, not_found
from mailcore.core.models import AdminPermission, Department, DepartmentMember, Member
from mailcore.org.addresses import normalize_address

R = TypeVar("R", bound=Any)

MAX_NAME = 64
MAX_ITEMS = 1000


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= MAX_NAME:
        raise invalid(f"the name needs 1 to {MAX_NAME} characters", "name")
    return name


def check_keywords(keywords: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(k.strip() for k in keywords if k and k.strip()))
    if len(cleaned) > 100 or any(len(k) > 200 for k in cleaned):
        raise invalid("at most 100 keywords of up to 200 characters", "keywords")
    return cleaned


async def members_by_address(
    scope: AdminScope, addresses: list[str], field_name: str
) -> list[Member]:
    if len(addresses) > MAX_ITEMS:
        raise invalid(f"at most {MAX_ITEMS} members", field_name)
    wanted = list(dict.fromkeys(normalize_address(a) for a in addresses if a.strip()))
    found = {
        m.email: m
        for m in await Member.filter(
            enterprise_id=scope.enterprise_id, email__in=wanted, deleted_at=None
        )
    }
    missing = [a for a in wanted if a not in found]
    if missing:
        raise not_found(f"no member {missing[0]}", field_name)
    return [found[a] for a in wanted]


async def check_departments(scope: AdminScope, department_ids: list[int]) -> list[int]:
    wanted = sorted(set(department_ids))
    if len(wanted) > MAX_ITEMS:
        raise invalid(f"at most {MAX_ITEMS} departments", "departmentIds")
    found = await Department.filter(enterprise_id=scope.enterprise_id, id__in=wanted).count()
    if found != len(wanted):
        raise not_found("no such department", "departmentIds")
    return wanted


async def require_in_scope(
    scope: AdminScope, permission: AdminPermission, member_ids: list[int], department_ids: list[int]
) -> None:
    """A scoped admin may only name members and departments of their own departments, and
    no administrator of higher rank among them or in those departments (a rule would let them
    read that administrator's mail)."""
    scope.require(permission)
    if scope.is_super:
        return
    if any(d not in scope.department_ids for d in department_ids):
        raise forbidden("that department is outside your administration scope")
    in_departments = await DepartmentMember.filter(department_id__in=department_ids).values_list(
        "member_id", flat=True
    )
    if await scope.outranked([*member_ids, *in_departments]):
        raise forbidden("a rule may not cover an administrator of higher rank than yours")
    if not member_ids:
        return
    covered = set(
        await DepartmentMember.filter(
            member_id__in=member_ids, department_id__in=list(scope.department_ids)
        ).values_list("member_id", flat=True)
    )
    if any(m not in covered for m in member_ids):
        raise forbidden("that member is outside your administration scope")


async def rule_in_scope(
    scope: AdminScope,
    permission: AdminPermission,
    found: R | None,
    parties: Callable[[R], list[int]],
    what: str,
) -> R:
    """One rule (already looked up within the enterprise) that this admin may see and change:
    NOT_FOUND when missing, FORBIDDEN when a member or department is outside their scope."""
    scope.require(permission)
    if found is None:
        raise not_found(f"no such {what}")
    await require_in_scope(scope, permission, parties(found), list(found.department_ids))
    return found


async def visible_rules(
    scope: AdminScope,
    permission: AdminPermission,
    rules: list[R],
    parties: Callable[[R], list[int]],
) -> list[R]:
    """The rules this admin may see: all their members (``parties``) and departments in
    scope — ``require_in_scope`` for a whole list, in one query."""
    scope.require(permission)
    if scope.is_super:
        return rules
    everyone = {m for rule in rules for m in parties(rule)}
    covered = (
        set(
            await DepartmentMember.filter(
                member_id__in=everyone, department_id__in=list(scope.department_ids)
            ).values_list("member_id", flat=True)
        )
        if everyone
        else set()
    )
    return [
        rule
        for rule in rules
        if all(d in scope.department_ids for d in rule.department_ids)
        and all(m in covered for m in parties(rule))
    ]


async def emails(member_ids: list[int]) -> dict[int, str]:
    return dict(await Member.filter(id__in=member_ids).values_list("id", "email"))
