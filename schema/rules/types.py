"""Types of the rules schema."""

from __future__ import annotations

from datetime import datetime
from enum import Enum, StrEnum
from typing import Annotated

import strawberry

from mailcore.core.models import AutoReply, Forwarding, MailFilter
from mailcore.rules.errors import RuleError
from mailcore.rules.errors import RuleErrorCode as CoreCode
from mailcore.rules.filters import Actions, conditions_of
from schema.admin.types import Done

RuleErrorCode = strawberry.enum(StrEnum("RuleErrorCode", {c.name: c.value for c in CoreCode}))


@strawberry.enum
class FilterField(Enum):
    FROM = "from"
    TO = "to"
    SUBJECT = "subject"
    SIZE = "size"
    HAS_ATTACHMENTS = "has_attachments"


@strawberry.enum
class FilterOp(Enum):
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    EQUALS = "equals"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    GREATER_THAN = "greater_than"
    LESS_THAN = "less_than"
    IS = "is"  # has_attachments


@strawberry.type(name="RuleError")
class RuleErrorType:
    code: RuleErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: RuleError) -> RuleErrorType:
        return cls(code=RuleErrorCode(exc.code.value), message=exc.message, field=exc.field)


@strawberry.type
class FilterCondition:
    field: FilterField
    op: FilterOp
    value: str


@strawberry.type
class FilterActions:
    folder_id: strawberry.ID | None
    flag: bool
    mark_read: bool
    delete: bool
    forward_to: list[str]


@strawberry.type(name="MailFilter")
class MailFilterType:
    id: strawberry.ID
    name: str
    position: int
    enabled: bool
    match_all: bool
    stop: bool
    conditions: list[FilterCondition]
    actions: FilterActions

    @classmethod
    def of(cls, row: MailFilter) -> MailFilterType:
        a = Actions.of(row.actions)
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            position=row.position,
            enabled=row.enabled,
            match_all=row.match_all,
            stop=row.stop,
            conditions=[
                FilterCondition(field=FilterField(c.field), op=FilterOp(c.op), value=c.value)
                for c in conditions_of(row)
            ],
            actions=FilterActions(
                folder_id=strawberry.ID(str(a.folder_id)) if a.folder_id else None,
                flag=a.flag,
                mark_read=a.mark_read,
                delete=a.delete,
                forward_to=a.forward_to,
            ),
        )


@strawberry.type(name="AutoReply")
class AutoReplyType:
    enabled: bool
    active: bool = strawberry.field(description="Enabled and within its dates right now.")
    subject: str
    text: str
    starts_at: datetime | None
    ends_at: datetime | None
    interval_days: int

    @classmethod
    def of(cls, row: AutoReply) -> AutoReplyType:
        from mailcore.rules.autoreply import active

        return cls(
            enabled=row.enabled,
            active=active(row),
            subject=row.subject,
            text=row.text,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            interval_days=row.interval_days,
        )


@strawberry.type(name="Forwarding")
class ForwardingType:
    enabled: bool
    addresses: list[str]
    keep_copy: bool

    @classmethod
    def of(cls, row: Forwarding) -> ForwardingType:
        return cls(enabled=row.enabled, addresses=list(row.addresses), keep_copy=row.keep_copy)


@strawberry.type
class MailRules:
    filters: list[MailFilterType]
    auto_reply: AutoReplyType
    forwarding: ForwardingType


@strawberry.type
class MailFilters:
    filters: list[MailFilterType]


MailFilterResult = Annotated[MailFilterType | RuleErrorType, strawberry.union("MailFilterResult")]
MailFiltersResult = Annotated[MailFilters | RuleErrorType, strawberry.union("MailFiltersResult")]
AutoReplyResult = Annotated[AutoReplyType | RuleErrorType, strawberry.union("AutoReplyResult")]
ForwardingResult = Annotated[ForwardingType | RuleErrorType, strawberry.union("ForwardingResult")]
DeleteFilterResult = Annotated[Done | RuleErrorType, strawberry.union("DeleteFilterResult")]
