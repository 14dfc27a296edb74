"""Mutations of the delivery schema."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.core.models import BlockAction
from mailcore.delivery import admin as outbound_admin
from mailcore.delivery.errors import DeliveryError
from mailcore.policy import lists, transfer
from mailcore.spam import settings as spam_settings
from schema.admin.types import AdminErrorType, Done
from schema.delivery.types import (
    DeliveryErrorType,
    DomainTransferResult,
    MySenderListEntryResult,
    QueueActionDone,
    QueueActionResult,
    RemoveMySenderListEntryResult,
    RemoveSenderListEntryResult,
    SenderBlockAction,
    SenderListEntryResult,
    SenderListEntryType,
    SenderListKind,
    SpamPolicyResult,
    SpamPolicyType,
    core_action,
    core_kind,
    parse_ids,
)
from schema.permissions import IsAdmin, IsAuthenticated

ADMIN = [IsAuthenticated, IsAdmin]


@strawberry.input
class SenderListEntryInput:
    kind: SenderListKind  # type: ignore[valid-type]
    pattern: str
    action: SenderBlockAction | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="For BLOCK entries; REFUSE unless given (members: SPAM)."
    )
    note: str = ""


@strawberry.type
class DeliveryMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def add_my_sender_list_entry(
        self, info: Info, input: SenderListEntryInput
    ) -> MySenderListEntryResult:
        action = BlockAction.SPAM if input.action is None else core_action(input.action)
        try:
            entry = await lists.add_my_entry(
                info.context.member_id, core_kind(input.kind), input.pattern, action
            )
        except DeliveryError as exc:
            return DeliveryErrorType.of(exc)
        return SenderListEntryType.of(entry)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def remove_my_sender_list_entry(
        self, info: Info, id: strawberry.ID
    ) -> RemoveMySenderListEntryResult:
        try:
            await lists.remove_my_entry(info.context.member_id, parse_ids([id])[0])
        except DeliveryError as exc:
            return DeliveryErrorType.of(exc)
        return Done()


@strawberry.type
class DeliveryAdminMutation:
    @strawberry.mutation(permission_classes=ADMIN)
    async def add_sender_list_entry(
        self, info: Info, input: SenderListEntryInput
    ) -> SenderListEntryResult:
        scope = await info.context.require_admin()
        action = BlockAction.REFUSE if input.action is None else core_action(input.action)
        try:
            entry = await lists.add_company_entry(
                scope, core_kind(input.kind), input.pattern, action, input.note
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return SenderListEntryType.of(entry)

    @strawberry.mutation(permission_classes=ADMIN)
    async def remove_sender_list_entry(
        self, info: Info, id: strawberry.ID
    ) -> RemoveSenderListEntryResult:
        scope = await info.context.require_admin()
        try:
            await lists.remove_company_entry(scope, parse_ids([id])[0])
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Mail to unknown addresses of the domain goes to target (null: refused).",
    )
    async def set_domain_transfer(
        self, info: Info, domain: str, target: str | None = None
    ) -> DomainTransferResult:
        scope = await info.context.require_admin()
        try:
            await transfer.set_transfer(scope, domain, target)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()

    @strawberry.mutation(permission_classes=ADMIN)
    async def set_spam_policy(
        self, info: Info, enabled: bool | None = None, threshold: float | None = None
    ) -> SpamPolicyResult:
        scope = await info.context.require_admin()
        try:
            return SpamPolicyType.of(await spam_settings.set_policy(scope, enabled, threshold))
        except AdminError as exc:
            return AdminErrorType.of(exc)

    @strawberry.mutation(permission_classes=ADMIN, description="Try deferred deliveries now.")
    async def retry_outbound(self, info: Info, ids: list[strawberry.ID]) -> QueueActionResult:
        scope = await info.context.require_admin()
        try:
            count = await outbound_admin.retry_now(scope, parse_ids(ids))
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return QueueActionDone(count=count)

    @strawberry.mutation(
        permission_classes=ADMIN, description="Give up waiting deliveries (the sender is told)."
    )
    async def cancel_outbound(self, info: Info, ids: list[strawberry.ID]) -> QueueActionResult:
        scope = await info.context.require_admin()
        try:
            count = await outbound_admin.cancel(scope, parse_ids(ids))
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return QueueActionDone(count=count)
