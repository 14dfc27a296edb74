"""Queries of the logs schema: self-service for members, log queries for administrators."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.core.models import ClientKind
from mailcore.logs import admin as admin_logs
from mailcore.logs import selfservice
from mailcore.logs.errors import LogError
from mailcore.logs.maillog import Direction, MailFilter, mail_logs
from schema.logs.types import (
    DeliveryStatus,
    LoginEventConnection,
    LoginEventEdge,
    LoginEventType,
    LoginLogFilter,
    MailLogConnection,
    MailLogEdge,
    MailLogFilter,
    MailLogType,
    OperationLogConnection,
    OperationLogEdge,
    OperationLogFilter,
    OperationLogType,
    ReceivedMail,
    ReceivedMailConnection,
    ReceivedMailEdge,
    RecipientKindType,
    RecipientStatus,
    cursor,
    page_info,
)
from schema.permissions import IsAdmin, IsAuthenticated

SIGNED_IN = [IsAuthenticated]
ADMIN = [IsAuthenticated, IsAdmin]


def query_error(exc: LogError | AdminError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


def login_connection(page) -> LoginEventConnection:
    return LoginEventConnection(
        edges=[
            LoginEventEdge(node=LoginEventType(event=e), cursor=cursor(e.created_at, e.id))
            for e in page.items
        ],
        page_info=page_info(page),
    )


@strawberry.type
class LogsQuery:
    @strawberry.field(permission_classes=SIGNED_IN, description="Your own logins, newest first.")
    async def my_logins(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> LoginEventConnection:
        try:
            page = await selfservice.my_logins(info.context.member_id, first, after)
        except LogError as exc:
            raise query_error(exc) from exc
        return login_connection(page)

    @strawberry.field(
        permission_classes=SIGNED_IN,
        description="Delivery status per recipient of a message in your Sent folder.",
    )
    async def sent_status(self, info: Info, message_id: strawberry.ID) -> list[RecipientStatus]:
        try:
            rows = await selfservice.sent_status(info.context.member_id, message_id)
        except LogError as exc:
            raise query_error(exc) from exc
        return [
            RecipientStatus(
                address=r.address,
                kind=RecipientKindType[r.kind.name],
                status=DeliveryStatus[r.status.name],
                detail=r.detail,
                attempts=r.attempts,
            )
            for r in rows
        ]

    @strawberry.field(
        permission_classes=SIGNED_IN, description="Mail you received, and where it went."
    )
    async def received_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ReceivedMailConnection:
        try:
            page = await selfservice.received_log(info.context.member_id, first, after)
        except LogError as exc:
            raise query_error(exc) from exc
        return ReceivedMailConnection(
            edges=[
                ReceivedMailEdge(node=ReceivedMail(entry=e), cursor=cursor(e.received_at, e.id))
                for e in page.items
            ],
            page_info=page_info(page),
        )


@strawberry.type
class LogsAdminQuery:
    @strawberry.field(permission_classes=ADMIN, description="Logins of your members.")
    async def login_logs(
        self,
        info: Info,
        filter: LoginLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> LoginEventConnection:
        given = filter or LoginLogFilter()
        where = admin_logs.LoginFilter(
            member=given.member,
            since=given.since,
            until=given.until,
            success=given.success,
            client=ClientKind[given.client.name] if given.client else None,
        )
        try:
            page = await admin_logs.login_logs(
                await info.context.require_admin(), where, first, after
            )
        except (LogError, AdminError) as exc:
            raise query_error(exc) from exc
        return login_connection(page)

    @strawberry.field(permission_classes=ADMIN, description="What administrators changed.")
    async def operation_logs(
        self,
        info: Info,
        filter: OperationLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> OperationLogConnection:
        given = filter or OperationLogFilter()
        where = admin_logs.OperationFilter(
            actor=given.actor, action=given.action, since=given.since, until=given.until
        )
        try:
            page = await admin_logs.operation_logs(
                await info.context.require_admin(), where, first, after
            )
        except (LogError, AdminError) as exc:
            raise query_error(exc) from exc
        return OperationLogConnection(
            edges=[
                OperationLogEdge(node=OperationLogType(row=r), cursor=cursor(r.created_at, r.id))
                for r in page.items
            ],
            page_info=page_info(page),
        )

    @strawberry.field(permission_classes=ADMIN, description="Mail in, out and inside.")
    async def mail_logs(
        self,
        info: Info,
        filter: MailLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> MailLogConnection:
        given = filter or MailLogFilter()
        where = MailFilter(
            sender=given.sender,
            recipient=given.recipient,
            since=given.since,
            until=given.until,
            direction=Direction[given.direction.name] if given.direction else None,
        )
        try:
            page = await mail_logs(await info.context.require_admin(), where, first, after)
        except (LogError, AdminError) as exc:
            raise query_error(exc) from exc
        return MailLogConnection(
            edges=[
                MailLogEdge(node=MailLogType(row=r), cursor=cursor(r.time, r.pk, r.rank))
                for r in page.items
            ],
            page_info=page_info(page),
        )
