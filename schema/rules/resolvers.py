"""Queries and mutations of a member's own mail rules."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from mailcore.rules import autoreply, filters, forwarding
from mailcore.rules.errors import RuleError, RuleErrorCode
from schema.admin.types import Done
from schema.permissions import IsAuthenticated
from schema.rules.types import (
    AutoReplyResult,
    AutoReplyType,
    DeleteFilterResult,
    FilterField,
    FilterOp,
    ForwardingResult,
    ForwardingType,
    MailFilterResult,
    MailFilters,
    MailFiltersResult,
    MailFilterType,
    MailRules,
    RuleErrorType,
)


@strawberry.input
class FilterConditionInput:
    field: FilterField
    op: FilterOp = FilterOp.CONTAINS
    value: str = ""


@strawberry.input
class FilterActionsInput:
    folder_id: strawberry.ID | None = None
    flag: bool = False
    mark_read: bool = False
    delete: bool = strawberry.field(default=False, description="Put it in Trash.")
    forward_to: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class MailFilterInput:
    name: str = ""
    enabled: bool = True
    match_all: bool = strawberry.field(default=True, description="All conditions, or any.")
    stop: bool = strawberry.field(default=False, description="No later filter runs on a match.")
    conditions: list[FilterConditionInput] = strawberry.field(default_factory=list)
    actions: FilterActionsInput = strawberry.field(default_factory=FilterActionsInput)


def _id(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


def _spec(data: MailFilterInput) -> filters.FilterSpec:
    a = data.actions
    return filters.FilterSpec(
        name=data.name,
        enabled=data.enabled,
        match_all=data.match_all,
        stop=data.stop,
        conditions=[filters.Condition(c.field.value, c.op.value, c.value) for c in data.conditions],
        actions=filters.Actions(
            folder_id=_id(a.folder_id) if a.folder_id is not None else None,
            flag=a.flag,
            mark_read=a.mark_read,
            delete=a.delete,
            forward_to=list(a.forward_to),
        ),
    )


async def _filters(member_id: int) -> list[MailFilterType]:
    return [MailFilterType.of(f) for f in await filters.list_filters(member_id)]


@strawberry.type
class RulesQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    async def mail_rules(self, info: Info) -> MailRules:
        member_id = info.context.member_id
        return MailRules(
            filters=await _filters(member_id),
            auto_reply=AutoReplyType.of(await autoreply.get_auto_reply(member_id)),
            forwarding=ForwardingType.of(await forwarding.get_forwarding(member_id)),
        )


@strawberry.type
class RulesMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def create_mail_filter(self, info: Info, input: MailFilterInput) -> MailFilterResult:
        try:
            row = await filters.create_filter(info.context.member_id, _spec(input))
        except RuleError as exc:
            return RuleErrorType.of(exc)
        return MailFilterType.of(row)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def update_mail_filter(
        self, info: Info, id: strawberry.ID, input: MailFilterInput
    ) -> MailFilterResult:
        try:
            row = await filters.update_filter(info.context.member_id, _id(id), _spec(input))
        except RuleError as exc:
            return RuleErrorType.of(exc)
        return MailFilterType.of(row)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def delete_mail_filter(self, info: Info, id: strawberry.ID) -> DeleteFilterResult:
        try:
            await filters.delete_filter(info.context.member_id, _id(id))
        except RuleError as exc:
            return RuleErrorType.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Give every filter id once, in the order they should run.",
    )
    async def reorder_mail_filters(self, info: Info, ids: list[strawberry.ID]) -> MailFiltersResult:
        member_id = info.context.member_id
        try:
            await filters.reorder_filters(member_id, [_id(i) for i in ids])
        except RuleError as exc:
            return RuleErrorType.of(exc)
        return MailFilters(filters=await _filters(member_id))

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def set_auto_reply(
        self,
        info: Info,
        enabled: bool,
        text: str = "",
        subject: str = "",
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        interval_days: int = 4,
    ) -> AutoReplyResult:
        spec = autoreply.AutoReplySpec(
            enabled=enabled,
            subject=subject,
            text=text,
            starts_at=starts_at,
            ends_at=ends_at,
            interval_days=interval_days,
        )
        try:
            if (starts_at and starts_at.tzinfo is None) or (ends_at and ends_at.tzinfo is None):
                raise RuleError(RuleErrorCode.INVALID, "give dates with a time zone", "startsAt")
            row = await autoreply.set_auto_reply(info.context.member_id, spec)
        except RuleError as exc:
            return RuleErrorType.of(exc)
        return AutoReplyType.of(row)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Forward all incoming mail; external addresses obey sending restrictions.",
    )
    async def set_forwarding(
        self,
        info: Info,
        enabled: bool,
        addresses: list[str] | None = None,
        keep_copy: bool = True,
    ) -> ForwardingResult:
        try:
            row = await forwarding.set_forwarding(
                info.context.member_id,
                enabled=enabled,
                addresses=list(addresses or []),
                keep_copy=keep_copy,
            )
        except RuleError as exc:
            return RuleErrorType.of(exc)
        return ForwardingType.of(row)
