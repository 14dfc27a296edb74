"""Backup rules (admins, permission ``policies``) and, for a backup account, whose mail a
copy was."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.archive import backups
from mailcore.archive.backups import BackupRuleView, BackupSpec
from mailcore.core.models import BackupDirection as CoreDirection
from schema.admin.types import Done
from schema.permissions import IsAdmin, IsAuthenticated
from schema.policies.types import FAILURES, PolicyErrorType, parse_id, query_error


@strawberry.enum
class BackupDirection(Enum):
    IN = "in"
    OUT = "out"
    BOTH = "both"


@strawberry.enum
class BackupFolder(Enum):
    INBOX = "inbox"
    ARCHIVE = "archive"


@strawberry.type(name="BackupRule")
class BackupRuleType:
    id: strawberry.ID
    name: str
    enabled: bool
    members: list[str]
    department_ids: list[strawberry.ID]
    direction: BackupDirection
    keywords: list[str]
    target: str
    folder: BackupFolder

    @classmethod
    def of(cls, view: BackupRuleView) -> BackupRuleType:
        rule = view.rule
        return cls(
            id=strawberry.ID(str(rule.id)),
            name=rule.name,
            enabled=rule.enabled,
            members=view.members,
            department_ids=[strawberry.ID(str(d)) for d in rule.department_ids],
            direction=BackupDirection(rule.direction.value),
            keywords=list(rule.keywords),
            target=view.target,
            folder=BackupFolder(rule.folder),
        )


@strawberry.input
class BackupRuleInput:
    name: str
    target: str = strawberry.field(description="The backup account (a member's address).")
    members: list[str] = strawberry.field(default_factory=list)
    department_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    direction: BackupDirection = BackupDirection.BOTH
    keywords: list[str] = strawberry.field(
        default_factory=list, description="Any of them in subject or body (none: all mail)."
    )
    folder: BackupFolder = BackupFolder.INBOX
    enabled: bool = True

    def spec(self) -> BackupSpec:
        return BackupSpec(
            name=self.name,
            target=self.target,
            members=self.members,
            department_ids=[parse_id(d) for d in self.department_ids],
            direction=CoreDirection(self.direction.value),
            keywords=self.keywords,
            folder=self.folder.value,
            enabled=self.enabled,
        )


@strawberry.type
class BackupOrigin:
    message_id: strawberry.ID = strawberry.field(description="The backup account's entry.")
    owners: list[str] = strawberry.field(description="Whose mail this copy is.")
    direction: str
    copied_at: datetime


BackupRuleResult = Annotated[BackupRuleType | PolicyErrorType, strawberry.union("BackupRuleResult")]
DeleteBackupRuleResult = Annotated[
    Done | PolicyErrorType, strawberry.union("DeleteBackupRuleResult")
]


@strawberry.type
class BackupQuery:
    @strawberry.field(permission_classes=[IsAuthenticated, IsAdmin])
    async def backup_rules(self, info: Info) -> list[BackupRuleType]:
        try:
            views = await backups.list_rules(await info.context.require_admin())
        except FAILURES as exc:
            raise query_error(exc) from exc
        return [BackupRuleType.of(v) for v in views]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="For your messages that are backup copies: whose mail each one was.",
    )
    async def backup_origins(self, info: Info, ids: list[strawberry.ID]) -> list[BackupOrigin]:
        found = await backups.backup_origins(info.context.member_id, [parse_id(i) for i in ids])
        return [
            BackupOrigin(
                message_id=strawberry.ID(str(c.entry_id)),
                owners=list(c.owners),
                direction=c.direction,
                copied_at=c.created_at,
            )
            for c in found.values()
        ]


@strawberry.type
class BackupMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def create_backup_rule(self, info: Info, input: BackupRuleInput) -> BackupRuleResult:
        try:
            view = await backups.create_rule(await info.context.require_admin(), input.spec())
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return BackupRuleType.of(view)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def update_backup_rule(
        self, info: Info, id: strawberry.ID, input: BackupRuleInput
    ) -> BackupRuleResult:
        try:
            view = await backups.update_rule(
                await info.context.require_admin(), parse_id(id), input.spec()
            )
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return BackupRuleType.of(view)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def delete_backup_rule(self, info: Info, id: strawberry.ID) -> DeleteBackupRuleResult:
        try:
            await backups.delete_rule(await info.context.require_admin(), parse_id(id))
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return Done()
