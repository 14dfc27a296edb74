"""Queries of the delivery schema."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.core.models import OutboundStatus
from mailcore.delivery import admin as outbound_admin
from mailcore.policy import lists, transfer
from mailcore.spam import settings as spam_settings
from schema.delivery.types import (
    DomainTransferType,
    OutboundQueueItem,
    OutboundState,
    SenderListEntryType,
    SenderListKind,
    SpamPolicyType,
    core_kind,
    query_error,
)
from schema.permissions import IsAdmin, IsAuthenticated

ADMIN = [IsAuthenticated, IsAdmin]


@strawberry.type
class DeliveryQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated], description="Your own sender black/white lists."
    )
    async def my_sender_lists(
        self,
        info: Info,
        kind: SenderListKind | None = None,  # type: ignore[valid-type]
    ) -> list[SenderListEntryType]:
        rows = await lists.my_entries(info.context.member_id, core_kind(kind))
        return [SenderListEntryType.of(e) for e in rows]


@strawberry.type
class DeliveryAdminQuery:
    @strawberry.field(permission_classes=ADMIN, description="The enterprise's sender lists.")
    async def sender_lists(
        self,
        info: Info,
        kind: SenderListKind | None = None,  # type: ignore[valid-type]
    ) -> list[SenderListEntryType]:
        scope = await info.context.require_admin()
        try:
            rows = await lists.company_entries(scope, core_kind(kind))
        except AdminError as exc:
            raise query_error(exc) from exc
        return [SenderListEntryType.of(e) for e in rows]

    @strawberry.field(permission_classes=ADMIN, description="Undeliverable transfer per domain.")
    async def domain_transfers(self, info: Info) -> list[DomainTransferType]:
        scope = await info.context.require_admin()
        try:
            rows = await transfer.transfers(scope)
        except AdminError as exc:
            raise query_error(exc) from exc
        return [DomainTransferType.of(t) for t in rows]

    @strawberry.field(permission_classes=ADMIN, description="The enterprise's spam filtering.")
    async def spam_policy(self, info: Info) -> SpamPolicyType:
        scope = await info.context.require_admin()
        try:
            return SpamPolicyType.of(await spam_settings.get_policy(scope))
        except AdminError as exc:
            raise query_error(exc) from exc

    @strawberry.field(
        permission_classes=ADMIN,
        description="External deliveries of mail sent by members in your scope, newest first.",
    )
    async def outbound_queue(
        self,
        info: Info,
        status: OutboundState | None = None,  # type: ignore[valid-type]
        first: int = 50,
    ) -> list[OutboundQueueItem]:
        scope = await info.context.require_admin()
        core = None if status is None else OutboundStatus[status.value]
        try:
            rows = await outbound_admin.queue_rows(scope, core, first)
        except AdminError as exc:
            raise query_error(exc) from exc
        return [OutboundQueueItem.of(o) for o in rows]
