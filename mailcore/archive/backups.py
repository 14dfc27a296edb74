"""Backup rules as administrators manage them (permission ``policies``), each change logged.

A scoped administrator sees and changes only rules whose members, departments and backup
account are all within their scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.archive.errors import PolicyError, invalid
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
from mailcore.core.models import AdminPermission, BackupCopy, BackupDirection, BackupRule

PERMISSION = AdminPermission.POLICIES
FOLDERS = ("inbox", "archive")


@dataclass
class BackupSpec:
    name: str
    target: str  # the backup account's address
    members: list[str] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    direction: BackupDirection = BackupDirection.BOTH
    keywords: list[str] = field(default_factory=list)
    folder: str = "inbox"
    enabled: bool = True


@dataclass
class BackupRuleView:
    rule: BackupRule
    target: str
    members: list[str]


async def _view(rule: BackupRule, names: dict[int, str] | None = None) -> BackupRuleView:
    if names is None:
        names = await emails(_parties(rule))
    return BackupRuleView(
        rule=rule,
        target=names.get(rule.target_id, ""),
        members=[names[m] for m in rule.member_ids if m in names],
    )


def _parties(rule: BackupRule) -> list[int]:
    """The members a rule names (its scope check and its view)."""
    return [*rule.member_ids, rule.target_id]


async def _rule(scope: AdminScope, rule_id: int) -> BackupRule:
    found = await BackupRule.filter(id=rule_id, enterprise_id=scope.enterprise_id).first()
    return await rule_in_scope(scope, PERMISSION, found, _parties, "backup rule")


async def list_rules(scope: AdminScope) -> list[BackupRuleView]:
    rules = await visible_rules(
        scope,
        PERMISSION,
        await BackupRule.filter(enterprise_id=scope.enterprise_id).order_by("id"),
        _parties,
    )
    names = await emails([m for rule in rules for m in _parties(rule)])
    return [await _view(rule, names) for rule in rules]


async def _fields(scope: AdminScope, spec: BackupSpec) -> dict:
    scope.require(PERMISSION)
    members = await members_by_address(scope, spec.members, "members")
    departments = await check_departments(scope, spec.department_ids)
    if not members and not departments:
        raise invalid("a rule needs members or departments", "members")
    targets = await members_by_address(scope, [spec.target], "target")
    if not targets:
        raise invalid("a rule needs a backup account", "target")
    if spec.folder not in FOLDERS:
        raise invalid("the folder is inbox or archive", "folder")
    await require_in_scope(
        scope, PERMISSION, [m.id for m in members] + [targets[0].id], departments
    )
    return {
        "name": check_name(spec.name),
        "member_ids": [m.id for m in members],
        "department_ids": departments,
        "direction": spec.direction,
        "keywords": check_keywords(spec.keywords),
        "target_id": targets[0].id,
        "folder": spec.folder,
        "enabled": spec.enabled,
    }


async def create_rule(scope: AdminScope, spec: BackupSpec) -> BackupRuleView:
    values = await _fields(scope, spec)
    async with in_transaction():
        rule = await BackupRule.create(enterprise_id=scope.enterprise_id, **values)
        await record(scope, "backup.create", values["name"], rule_id=rule.id, account=spec.target)
    return await _view(rule)


async def update_rule(scope: AdminScope, rule_id: int, spec: BackupSpec) -> BackupRuleView:
    rule = await _rule(scope, rule_id)
    values = await _fields(scope, spec)
    async with in_transaction():
        await BackupRule.filter(id=rule.id).update(**values)
        await record(scope, "backup.update", values["name"], rule_id=rule.id, account=spec.target)
    return await _view(await BackupRule.get(id=rule.id))


async def delete_rule(scope: AdminScope, rule_id: int) -> None:
    rule = await _rule(scope, rule_id)
    async with in_transaction():
        await BackupRule.filter(id=rule.id).delete()
        await record(scope, "backup.delete", rule.name, rule_id=rule.id)


async def backup_origins(member_id: int, entry_ids: list[int]) -> dict[int, BackupCopy]:
    """For a backup account's own entries: whose mail each copy was."""
    return {
        c.entry_id: c
        for c in await BackupCopy.filter(target_id=member_id, entry_id__in=entry_ids[:1000])
    }


__all__ = ["BackupSpec", "PolicyError", "create_rule", "delete_rule", "list_rules", "update_rule"]
