"""Types of the logs schema: log rows, their connections and the filters."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import strawberry
from strawberry.scalars import JSON

from mailcore.core.models import ClientKind, LoginEvent, MailboxEntry, OperationLog
from mailcore.logs import paging
from mailcore.logs.maillog import Direction, MailLogRow
from mailcore.logs.selfservice import DeliveryState, RecipientKind
from schema.mail.types import PageInfo

ClientKindType = strawberry.enum(
    StrEnum("ClientKind", {k.name: k.name for k in ClientKind}),
    description="Which client a login came from.",
)
MailDirection = strawberry.enum(
    StrEnum("MailDirection", {d.name: d.name for d in Direction}),
    description="IN from outside, OUT to outside, INTERNAL between members.",
)
DeliveryStatus = strawberry.enum(
    StrEnum("DeliveryStatus", {s.name: s.value for s in DeliveryState}),
    description="DELIVERED to a local mailbox, or QUEUED / SENT / FAILED for external mail.",
)
RecipientKindType = strawberry.enum(
    StrEnum("RecipientKind", {k.name: k.value for k in RecipientKind})
)


@strawberry.type(name="LoginEvent")
class LoginEventType:
    event: strawberry.Private[LoginEvent]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.event.id))

    @strawberry.field
    def time(self) -> datetime:
        return self.event.created_at

    @strawberry.field(description="The address that was typed in.")
    def login(self) -> str:
        return self.event.login

    @strawberry.field
    def ip(self) -> str:
        return self.event.ip

    @strawberry.field
    def client(self) -> ClientKindType:
        return ClientKindType[ClientKind(self.event.client).name]

    @strawberry.field
    def user_agent(self) -> str:
        return self.event.user_agent

    @strawberry.field
    def success(self) -> bool:
        return self.event.success

    @strawberry.field(description="e.g. password, totp, wechat_qr, bad_password, locked.")
    def reason(self) -> str:
        return self.event.reason


@strawberry.type
class LoginEventEdge:
    node: LoginEventType
    cursor: str


@strawberry.type
class LoginEventConnection:
    edges: list[LoginEventEdge]
    page_info: PageInfo


@strawberry.type(name="OperationLogEntry")
class OperationLogType:
    row: strawberry.Private[OperationLog]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def time(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def actor(self) -> str:
        return self.row.actor

    @strawberry.field
    def action(self) -> str:
        return self.row.action

    @strawberry.field
    def target(self) -> str:
        return self.row.target

    @strawberry.field
    def detail(self) -> JSON:
        return self.row.detail

    @strawberry.field
    def ip(self) -> str:
        return self.row.ip


@strawberry.type
class OperationLogEdge:
    node: OperationLogType
    cursor: str


@strawberry.type
class OperationLogConnection:
    edges: list[OperationLogEdge]
    page_info: PageInfo


@strawberry.type(name="MailLogEntry")
class MailLogType:
    row: strawberry.Private[MailLogRow]

    @strawberry.field
    def time(self) -> datetime:
        return self.row.time

    @strawberry.field
    def direction(self) -> MailDirection:
        return MailDirection[self.row.direction.name]

    @strawberry.field
    def sender(self) -> str:
        return self.row.sender

    @strawberry.field
    def recipient(self) -> str:
        return self.row.recipient

    @strawberry.field
    def subject(self) -> str:
        return self.row.subject

    @strawberry.field(description="DELIVERED, or QUEUED / SENDING / SENT / FAILED (out).")
    def status(self) -> str:
        return self.row.status

    @strawberry.field(description="The folder a delivered copy is in now.")
    def folder(self) -> str:
        return self.row.folder

    @strawberry.field
    def detail(self) -> str:
        return self.row.detail


@strawberry.type
class MailLogEdge:
    node: MailLogType
    cursor: str


@strawberry.type
class MailLogConnection:
    edges: list[MailLogEdge]
    page_info: PageInfo


@strawberry.type
class ReceivedMail:
    entry: strawberry.Private[MailboxEntry]

    @strawberry.field(description="The message id (as in message(id)).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.entry.id))

    @strawberry.field
    def time(self) -> datetime:
        return self.entry.received_at

    @strawberry.field
    def sender(self) -> str:
        return self.entry.message.from_address

    @strawberry.field
    def sender_name(self) -> str:
        return self.entry.message.from_name

    @strawberry.field
    def subject(self) -> str:
        return self.entry.message.subject

    @strawberry.field(description="The folder it is in now.")
    def folder(self) -> str:
        return self.entry.folder.name

    @strawberry.field(
        description="That folder's role (INBOX, SPAM, ...) as on Folder.role, for clients to "
        "name it in their language; null for a custom folder."
    )
    def folder_role(self) -> str | None:
        role = self.entry.folder.role
        return role.value.upper() if role else None


@strawberry.type
class ReceivedMailEdge:
    node: ReceivedMail
    cursor: str


@strawberry.type
class ReceivedMailConnection:
    edges: list[ReceivedMailEdge]
    page_info: PageInfo


@strawberry.type
class RecipientStatus:
    address: str
    kind: RecipientKindType
    status: DeliveryStatus
    detail: str
    attempts: int


@strawberry.input
class LoginLogFilter:
    member: str | None = strawberry.field(
        default=None, description="A member's address (or a login that matched no member)."
    )
    since: datetime | None = None
    until: datetime | None = None
    success: bool | None = None
    client: ClientKindType | None = None


@strawberry.input
class OperationLogFilter:
    actor: str | None = None
    action: str | None = strawberry.field(
        default=None, description='Exact, or a prefix ending with "." such as "security.".'
    )
    since: datetime | None = None
    until: datetime | None = None


@strawberry.input
class MailLogFilter:
    sender: str | None = None
    recipient: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    direction: MailDirection | None = None


def page_info(page: paging.Page) -> PageInfo:
    return PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor)


def cursor(when: datetime, pk: int, rank: int = 0) -> str:
    return paging.encode(paging.Cursor(when, pk, rank))
