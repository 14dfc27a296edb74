"""Types of the notices schema."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.core.models import Notice
from mailcore.notices.errors import NoticeError
from mailcore.notices.errors import NoticeErrorCode as CoreCode
from mailcore.notices.manage import NoticeStats
from mailcore.notices.reading import ReadNotice
from schema.admin.types import AdminErrorType, Done
from schema.mail.types import EmailAddress, PageInfo

NoticeErrorCode = strawberry.enum(StrEnum("NoticeErrorCode", {c.name: c.value for c in CoreCode}))


def _author(notice: Notice) -> EmailAddress | None:
    author = notice.author
    return EmailAddress(name=author.name, address=author.email) if author else None


@strawberry.type(name="Notice")
class NoticeType:
    id: strawberry.ID
    title: str
    body: str = strawberry.field(description="Sanitized HTML.")
    author: EmailAddress | None
    created_at: datetime
    department_ids: list[strawberry.ID] = strawberry.field(
        description="The departments it was posted to (each with its sub-departments); "
        "empty: the whole company."
    )
    by_mail: bool
    read: bool | None = strawberry.field(description="Whether you read it (null: not yours).")

    @classmethod
    def of(cls, notice: Notice, read: bool | None) -> NoticeType:
        return cls(
            id=strawberry.ID(str(notice.id)),
            title=notice.title,
            body=notice.body,
            author=_author(notice),
            created_at=notice.created_at,
            department_ids=[strawberry.ID(str(d)) for d in notice.department_ids or []],
            by_mail=notice.by_mail,
            read=read,
        )

    @classmethod
    def of_read(cls, item: ReadNotice) -> NoticeType:
        return cls.of(item.notice, item.read_at is not None)


@strawberry.type
class NoticeEdge:
    node: NoticeType
    cursor: str


@strawberry.type
class NoticeConnection:
    edges: list[NoticeEdge]
    page_info: PageInfo


@strawberry.type
class NoticeReport:
    notice: NoticeType
    recipients: int
    read_count: int

    @classmethod
    def of(cls, stats: NoticeStats) -> NoticeReport:
        return cls(
            notice=NoticeType.of(stats.notice, None),
            recipients=stats.recipients,
            read_count=stats.read,
        )


@strawberry.type
class NoticeReportEdge:
    node: NoticeReport
    cursor: str


@strawberry.type
class NoticeReportConnection:
    edges: list[NoticeReportEdge]
    page_info: PageInfo


@strawberry.type
class NoticePosted:
    """What a live subscriber is told (from the event alone, no database query)."""

    id: strawberry.ID
    title: str
    author: EmailAddress
    created_at: datetime


@strawberry.type
class PostedNotice:
    notice: NoticeType
    recipients: int = strawberry.field(description="Members who got a receipt (stored).")


@strawberry.type(name="NoticeSettings")
class NoticeSettingsType:
    members_post_notices: bool
    may_post: bool = strawberry.field(description="You may post a notice to the whole company.")


@strawberry.type(name="NoticeError")
class NoticeErrorType:
    code: NoticeErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: NoticeError) -> NoticeErrorType:
        return cls(code=NoticeErrorCode(exc.code.value), message=exc.message, field=exc.field)


PostNoticeResult = Annotated[PostedNotice | NoticeErrorType, strawberry.union("PostNoticeResult")]
MarkNoticeResult = Annotated[NoticeType | NoticeErrorType, strawberry.union("MarkNoticeResult")]
DeleteNoticeResult = Annotated[Done | NoticeErrorType, strawberry.union("DeleteNoticeResult")]
NoticeSettingsResult = Annotated[
    NoticeSettingsType | AdminErrorType, strawberry.union("NoticeSettingsResult")
]
