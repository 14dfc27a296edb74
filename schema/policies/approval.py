"""Outbound approval: rules (admins, permission ``policies``), the approvers' queue and
decisions, the sender's view of their held mail, and a live event when either changes."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.approval import rules, service
from mailcore.approval.rules import ApprovalRuleView, ApprovalSpec
from mailcore.core.models import HeldMail
from mailcore.core.models import RecipientScope as CoreScope
from mailcore.core.models import TimeoutAction as CoreAction
from mailcore.store.services import Services
from schema.admin.types import Done
from schema.permissions import IsAdmin, IsAuthenticated
from schema.policies.types import FAILURES, PolicyErrorType, parse_id, query_error


@strawberry.enum
class RecipientScope(Enum):
    ANY = "any"
    EXTERNAL = "external"
    DOMAINS = "domains"


@strawberry.enum
class TimeoutAction(Enum):
    APPROVE = "approve"
    REJECT = "reject"


@strawberry.enum
class HeldStatus(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@strawberry.type(name="ApprovalRule")
class ApprovalRuleType:
    id: strawberry.ID
    name: str
    enabled: bool
    members: list[str]
    department_ids: list[strawberry.ID]
    recipient_scope: RecipientScope
    domains: list[str]
    keywords: list[str]
    min_size: int
    with_attachments: bool
    approvers: list[str]
    timeout_seconds: int
    timeout_action: TimeoutAction

    @classmethod
    def of(cls, view: ApprovalRuleView) -> ApprovalRuleType:
        r = view.rule
        return cls(
            id=strawberry.ID(str(r.id)),
            name=r.name,
            enabled=r.enabled,
            members=view.members,
            department_ids=[strawberry.ID(str(d)) for d in r.department_ids],
            recipient_scope=RecipientScope(r.recipient_scope.value),
            domains=list(r.domains),
            keywords=list(r.keywords),
            min_size=r.min_size,
            with_attachments=r.with_attachments,
            approvers=view.approvers,
            timeout_seconds=r.timeout_seconds,
            timeout_action=TimeoutAction(r.timeout_action.value),
        )


@strawberry.input
class ApprovalRuleInput:
    name: str
    approvers: list[str]
    recipient_scope: RecipientScope = RecipientScope.EXTERNAL
    members: list[str] = strawberry.field(
        default_factory=list, description="Senders; with no departments either: everyone."
    )
    department_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    domains: list[str] = strawberry.field(default_factory=list)
    keywords: list[str] = strawberry.field(default_factory=list)
    min_size: int = strawberry.field(default=0, description="Bytes; 0: any size.")
    with_attachments: bool = False
    timeout_seconds: int = 86400
    timeout_action: TimeoutAction = TimeoutAction.REJECT
    enabled: bool = True

    def spec(self) -> ApprovalSpec:
        return ApprovalSpec(
            name=self.name,
            approvers=self.approvers,
            recipient_scope=CoreScope(self.recipient_scope.value),
            members=self.members,
            department_ids=[parse_id(d) for d in self.department_ids],
            domains=self.domains,
            keywords=self.keywords,
            min_size=self.min_size,
            with_attachments=self.with_attachments,
            timeout_seconds=self.timeout_seconds,
            timeout_action=CoreAction(self.timeout_action.value),
            enabled=self.enabled,
        )


@strawberry.type(name="HeldMail")
class HeldMailType:
    id: strawberry.ID
    sender: str
    subject: str
    size: int
    recipients: list[str]
    rule: str
    status: HeldStatus
    held_at: datetime
    expires_at: datetime
    timeout_action: TimeoutAction
    decided_by: str
    decided_at: datetime | None
    reason: str

    @classmethod
    def of(cls, held: HeldMail) -> HeldMailType:
        return cls(
            id=strawberry.ID(str(held.id)),
            sender=held.sender.email,
            subject=held.subject,
            size=held.size,
            recipients=[*held.local_addresses, *held.external],
            rule=held.rule_name,
            status=HeldStatus(held.status.value),
            held_at=held.created_at,
            expires_at=held.expires_at,
            timeout_action=TimeoutAction(held.timeout_action.value),
            decided_by=held.decided_by,
            decided_at=held.decided_at,
            reason=held.reason,
        )


@strawberry.type
class ApprovalChanged:
    id: strawberry.ID
    status: HeldStatus


ApprovalRuleResult = Annotated[
    ApprovalRuleType | PolicyErrorType, strawberry.union("ApprovalRuleResult")
]
DeleteApprovalRuleResult = Annotated[
    Done | PolicyErrorType, strawberry.union("DeleteApprovalRuleResult")
]
DecideApprovalResult = Annotated[
    HeldMailType | PolicyErrorType, strawberry.union("DecideApprovalResult")
]


def _services(info: Info) -> Services:
    return info.context.runtime


@strawberry.type
class ApprovalQuery:
    @strawberry.field(permission_classes=[IsAuthenticated, IsAdmin])
    async def approval_rules(self, info: Info) -> list[ApprovalRuleType]:
        try:
            views = await rules.list_rules(await info.context.require_admin())
        except FAILURES as exc:
            raise query_error(exc) from exc
        return [ApprovalRuleType.of(v) for v in views]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Held mail you may approve: pending only unless includeDecided.",
    )
    async def approval_queue(self, info: Info, include_decided: bool = False) -> list[HeldMailType]:
        rows = await service.approval_queue(info.context.identity.member, include_decided)
        return [HeldMailType.of(h) for h in rows]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your own mail held for approval, with its status.",
    )
    async def my_held_mail(self, info: Info) -> list[HeldMailType]:
        return [HeldMailType.of(h) for h in await service.my_held(info.context.member_id)]


@strawberry.type
class ApprovalMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def create_approval_rule(
        self, info: Info, input: ApprovalRuleInput
    ) -> ApprovalRuleResult:
        try:
            view = await rules.create_rule(await info.context.require_admin(), input.spec())
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return ApprovalRuleType.of(view)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def update_approval_rule(
        self, info: Info, id: strawberry.ID, input: ApprovalRuleInput
    ) -> ApprovalRuleResult:
        try:
            view = await rules.update_rule(
                await info.context.require_admin(), parse_id(id), input.spec()
            )
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return ApprovalRuleType.of(view)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def delete_approval_rule(self, info: Info, id: strawberry.ID) -> DeleteApprovalRuleResult:
        try:
            await rules.delete_rule(await info.context.require_admin(), parse_id(id))
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Approvers: send (approve) or return to the sender (reject, with a reason).",
    )
    async def decide_approval(
        self, info: Info, id: strawberry.ID, approve: bool, reason: str = ""
    ) -> DecideApprovalResult:
        try:
            held = await service.decide_as_approver(
                _services(info), info.context.identity.member, parse_id(id), approve, reason
            )
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        await held.fetch_related("sender")
        return HeldMailType.of(held)


@strawberry.type
class ApprovalSubscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="Held mail you approve, or sent, was held or decided.",
    )
    async def approval_changed(self, info: Info) -> AsyncGenerator[ApprovalChanged, None]:
        async with info.context.runtime.bus.subscribe(info.context.member_id) as stream:
            async for event in stream:
                if event["kind"] == service.APPROVAL_CHANGED:
                    yield ApprovalChanged(
                        id=strawberry.ID(event["id"]), status=HeldStatus(event["status"])
                    )
