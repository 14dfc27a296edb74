"""Types of the delivery schema."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import strawberry
from graphql import GraphQLError

from mailcore.admin.errors import AdminError
from mailcore.core.models import (
    BlockAction,
    DomainTransfer,
    ListKind,
    OutboundMessage,
    OutboundStatus,
    SenderListEntry,
)
from mailcore.delivery.errors import DeliveryError
from mailcore.delivery.errors import DeliveryErrorCode as CoreCode
from mailcore.spam.settings import SpamPolicy
from schema.admin.types import AdminErrorType, Done

SenderListKind = strawberry.enum(
    StrEnum("SenderListKind", {k.name: k.name for k in ListKind}),
    description="BLOCK: a black list entry, ALLOW: a white list entry.",
)
SenderBlockAction = strawberry.enum(
    StrEnum("SenderBlockAction", {a.name: a.name for a in BlockAction}),
    description="REFUSE: refused at SMTP time, SPAM: delivered to the Spam folder.",
)
OutboundState = strawberry.enum(StrEnum("OutboundState", {s.name: s.name for s in OutboundStatus}))
DeliveryErrorCode = strawberry.enum(
    StrEnum("DeliveryErrorCode", {c.name: c.value for c in CoreCode})
)


def core_kind(kind: SenderListKind | None) -> ListKind | None:  # type: ignore[valid-type]
    return None if kind is None else ListKind[kind.value]


def core_action(action: SenderBlockAction) -> BlockAction:  # type: ignore[valid-type]
    return BlockAction[action.value]


def parse_ids(values: list[strawberry.ID]) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            ids.append(-1)
    return ids


def query_error(exc: AdminError | DeliveryError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


@strawberry.type(name="DeliveryError")
class DeliveryErrorType:
    code: DeliveryErrorCode  # type: ignore[valid-type]
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: DeliveryError) -> DeliveryErrorType:
        return cls(code=DeliveryErrorCode(exc.code.value), message=exc.message, field=exc.field)


@strawberry.type(name="SenderListEntry")
class SenderListEntryType:
    id: strawberry.ID
    kind: SenderListKind  # type: ignore[valid-type]
    pattern: str = strawberry.field(description="A domain (with its subdomains) or an address.")
    action: SenderBlockAction  # type: ignore[valid-type]
    note: str
    created_at: datetime

    @classmethod
    def of(cls, e: SenderListEntry) -> SenderListEntryType:
        return cls(
            id=strawberry.ID(str(e.id)),
            kind=SenderListKind[ListKind(e.kind).name],
            pattern=e.pattern,
            action=SenderBlockAction[BlockAction(e.action).name],
            note=e.note,
            created_at=e.created_at,
        )


@strawberry.type(name="DomainTransfer")
class DomainTransferType:
    domain: str
    target: str = strawberry.field(description="The mailbox that receives unknown addresses.")

    @classmethod
    def of(cls, t: DomainTransfer) -> DomainTransferType:
        return cls(domain=t.domain.name, target=t.target.email)


@strawberry.type(name="SpamPolicy")
class SpamPolicyType:
    enabled: bool
    threshold: float

    @classmethod
    def of(cls, p: SpamPolicy) -> SpamPolicyType:
        return cls(enabled=p.enabled, threshold=p.threshold)


@strawberry.type
class OutboundQueueItem:
    id: strawberry.ID
    sender: str
    recipient: str
    subject: str
    status: OutboundState  # type: ignore[valid-type]
    attempts: int
    last_reply: str = strawberry.field(description="The last SMTP reply or connection error.")
    remote_host: str
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, o: OutboundMessage) -> OutboundQueueItem:
        return cls(
            id=strawberry.ID(str(o.id)),
            sender=o.envelope_from,
            recipient=o.recipient,
            subject=o.message.subject,
            status=OutboundState[OutboundStatus(o.status).name],
            attempts=o.attempts,
            last_reply=o.last_error,
            remote_host=o.remote_host,
            created_at=o.created_at,
            next_attempt_at=o.next_attempt_at,
            delivered_at=o.delivered_at,
        )


@strawberry.type
class QueueActionDone:
    count: int = strawberry.field(description="How many entries were waiting and were acted on.")


SenderListEntryResult = Annotated[
    SenderListEntryType | AdminErrorType, strawberry.union("SenderListEntryResult")
]
MySenderListEntryResult = Annotated[
    SenderListEntryType | DeliveryErrorType, strawberry.union("MySenderListEntryResult")
]
RemoveSenderListEntryResult = Annotated[
    Done | AdminErrorType, strawberry.union("RemoveSenderListEntryResult")
]
RemoveMySenderListEntryResult = Annotated[
    Done | DeliveryErrorType, strawberry.union("RemoveMySenderListEntryResult")
]
DomainTransferResult = Annotated[Done | AdminErrorType, strawberry.union("DomainTransferResult")]
SpamPolicyResult = Annotated[SpamPolicyType | AdminErrorType, strawberry.union("SpamPolicyResult")]
QueueActionResult = Annotated[
    QueueActionDone | AdminErrorType, strawberry.union("QueueActionResult")
]
