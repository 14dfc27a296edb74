"""Queries and mutations of mail policies: mass mail progress (senders), recall and
external-sending restrictions (administrators, within their scope, logged)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.core.models import CopyStatus
from mailcore.policy import massmail, recall, restrict
from mailcore.store.errors import MailError
from schema.admin.types import AdminErrorType, Done
from schema.errors import query_error
from schema.permissions import IsAdmin, IsAuthenticated
from schema.policy.types import (
    AdminRecallResult,
    CopyState,
    MailPolicyResult,
    MailPolicyType,
    MassMailCopy,
    MassMailJobType,
    RecallType,
    RemoveSendRestrictionResult,
    SendRestrictionResult,
    SendRestrictionType,
)


def _forbidden(exc: AdminError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value})


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1


@strawberry.type
class PolicyQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Progress of one of your separate-copies (mass mail) sends.",
    )
    async def mass_mail_job(self, info: Info, id: strawberry.ID) -> MassMailJobType:
        try:
            return MassMailJobType.of(await massmail.progress(info.context.member_id, _int(id)))
        except MailError as exc:
            raise query_error(exc) from exc

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Per-recipient state of a mass mail job's copies (optionally one state).",
    )
    async def mass_mail_copies(
        self,
        info: Info,
        id: strawberry.ID,
        status: CopyState | None = None,
        first: int = 100,
        offset: int = 0,
    ) -> list[MassMailCopy]:
        rows = await massmail.recipients(
            info.context.member_id,
            _int(id),
            status=CopyStatus(status.value) if status else None,
            first=first,
            offset=offset,
        )
        return [MassMailCopy.of(r) for r in rows]

    @strawberry.field(permission_classes=[IsAuthenticated, IsAdmin])
    async def mail_policy(self, info: Info) -> MailPolicyType:
        scope = await info.context.require_admin()
        return MailPolicyType.of(await recall.get_policy(scope.enterprise_id))

    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Members and departments that may not send outside (within your scope).",
    )
    async def send_restrictions(self, info: Info) -> list[SendRestrictionType]:
        scope = await info.context.require_admin()
        try:
            return [SendRestrictionType.of(r) for r in await restrict.list_restrictions(scope)]
        except AdminError as exc:
            raise _forbidden(exc) from exc

    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Recalls made by administrators, newest first.",
    )
    async def admin_recalls(self, info: Info, first: int = 50) -> list[RecallType]:
        scope = await info.context.require_admin()
        try:
            return [RecallType.of(r) for r in await recall.admin_recalls(scope, first)]
        except AdminError as exc:
            raise _forbidden(exc) from exc


@strawberry.type
class PolicyMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Remove read and unread copies of a message (by Message-ID) in your scope.",
    )
    async def admin_recall_message(self, info: Info, message_id: str) -> AdminRecallResult:
        scope = await info.context.require_admin()
        try:
            return RecallType.of(
                await recall.admin_recall(info.context.runtime.ingestor.changes, scope, message_id)
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def set_mail_policy(
        self,
        info: Info,
        recall_window_minutes: int | None = None,
        recall_read: bool | None = None,
    ) -> MailPolicyResult:
        scope = await info.context.require_admin()
        try:
            settings = await recall.set_policy(
                scope, recall_window_minutes=recall_window_minutes, recall_read=recall_read
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return MailPolicyType.of(settings)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Forbid a member (by address) or a department to send outside (A7).",
    )
    async def add_send_restriction(
        self,
        info: Info,
        member_email: str | None = None,
        department_id: strawberry.ID | None = None,
    ) -> SendRestrictionResult:
        scope = await info.context.require_admin()
        try:
            row = await restrict.add_restriction(
                scope,
                member_email=member_email,
                department_id=_int(department_id) if department_id is not None else None,
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return SendRestrictionType.of(row)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def remove_send_restriction(
        self, info: Info, id: strawberry.ID
    ) -> RemoveSendRestrictionResult:
        scope = await info.context.require_admin()
        try:
            await restrict.remove_restriction(scope, _int(id))
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()
