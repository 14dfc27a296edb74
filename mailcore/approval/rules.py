"""Approval rules as administrators manage them (permission ``policies``), each change logged.

A scoped administrator sees and changes only rules whose senders, departments and approvers
are all within their scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.archive.errors import invalid
from mailcore.archive.rules import (
    check_departments,
    check_keywords,
    check_name,
    emails,
    members_by_address,
    require_in_scope,
    rule_in_scope,
    visible_rules,
)
from mailcore.core.models import AdminPermission, ApprovalRule, RecipientScope, TimeoutAction
from mailcore.org.addresses import is_valid_domain, normalize_domain

PERMISSION = AdminPermission.POLICIES
MAX_TIMEOUT = 30 * 86400


@dataclass
class ApprovalSpec:
    name: str
    approvers: list[str]
    recipient_scope: RecipientScope = RecipientScope.EXTERNAL
    members: list[str] = field(default_factory=list)  # senders (none with no departments: all)
    department_ids: list[int] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    min_size: int = 0
    with_attachments: bool = False
    timeout_seconds: int = 86400
    timeout_action: TimeoutAction = TimeoutAction.REJECT
    enabled: bool = True


@dataclass
class ApprovalRuleView:
    rule: ApprovalRule
    members: list[str]
    approvers: list[str]


async def _view(rule: ApprovalRule, names: dict[int, str] | None = None) -> ApprovalRuleView:
    if names is None:
        names = await emails(_parties(rule))
    return ApprovalRuleView(
        rule=rule,
        members=[names[m] for m in rule.member_ids if m in names],
        approvers=[names[m] for m in rule.approver_ids if m in names],
    )


def _parties(rule: ApprovalRule) -> list[int]:
    """The members a rule names (its scope check and its view)."""
    return [*rule.member_ids, *rule.approver_ids]


async def _rule(scope: AdminScope, rule_id: int) -> ApprovalRule:
    found = await ApprovalRule.filter(id=rule_id, enterprise_id=scope.enterprise_id).first()
    return await rule_in_scope(scope, PERMISSION, found, _parties, "approval rule")


async def list_rules(scope: AdminScope) -> list[ApprovalRuleView]:
    rules = await visible_rules(
        scope,
        PERMISSION,
        await ApprovalRule.filter(enterprise_id=scope.enterprise_id).order_by("id"),
        _parties,
    )
    names = await emails([m for rule in rules for m in _parties(rule)])
    return [await _view(rule, names) for rule in rules]


def _domains(values: list[str]) -> list[str]:
    domains = list(dict.fromkeys(normalize_domain(d) for d in values if d.strip()))
    bad = [d for d in domains if not is_valid_domain(d)]
    if bad:
        raise invalid(f"not a domain: {bad[0]}", "domains")
    return domains[:500]


async def _fields(scope: AdminScope, spec: ApprovalSpec) -> dict:
    scope.require(PERMISSION)
    members = await members_by_address(scope, spec.members, "members")
    departments = await check_departments(scope, spec.department_ids)
    approvers = await members_by_address(scope, spec.approvers, "approvers")
    if not approvers:
        raise invalid("a rule needs at least one approver", "approvers")
    domains = _domains(spec.domains)
    if spec.recipient_scope == RecipientScope.DOMAINS and not domains:
        raise invalid("name the recipient domains", "domains")
    if not 1 <= spec.timeout_seconds <= MAX_TIMEOUT:
        raise invalid(f"the timeout is 1 to {MAX_TIMEOUT} seconds", "timeoutSeconds")
    if spec.min_size < 0:
        raise invalid("the size cannot be negative", "minSize")
    await require_in_scope(
        scope, PERMISSION, [m.id for m in members] + [a.id for a in approvers], departments
    )
    if not scope.is_super and not members and not departments:
        raise invalid("name the senders (or departments) of your scope", "members")
    return {
        "name": check_name(spec.name),
        "member_ids": [m.id for m in members],
        "department_ids": departments,
        "recipient_scope": spec.recipient_scope,
        "domains": domains,
        "keywords": check_keywords(spec.keywords),
        "min_size": spec.min_size,
        "with_attachments": spec.with_attachments,
        "approver_ids": [a.id for a in approvers],
        "timeout_seconds": spec.timeout_seconds,
        "timeout_action": spec.timeout_action,
        "enabled": spec.enabled,
    }


async def create_rule(scope: AdminScope, spec: ApprovalSpec) -> ApprovalRuleView:
    values = await _fields(scope, spec)
    async with in_transaction():
        rule = await ApprovalRule.create(enterprise_id=scope.enterprise_id, **values)
        await record(scope, "approval.create", values["name"], rule_id=rule.id)
    return await _view(rule)


async def update_rule(scope: AdminScope, rule_id: int, spec: ApprovalSpec) -> ApprovalRuleView:
    rule = await _rule(scope, rule_id)
    values = await _fields(scope, spec)
    async with in_transaction():
        await ApprovalRule.filter(id=rule.id).update(**values)
        await record(scope, "approval.update", values["name"], rule_id=rule.id)
    return await _view(await ApprovalRule.get(id=rule.id))


async def delete_rule(scope: AdminScope, rule_id: int) -> None:
    rule = await _rule(scope, rule_id)
    async with in_transaction():
        await ApprovalRule.filter(id=rule.id).delete()
        await record(scope, "approval.delete", rule.name, rule_id=rule.id)
