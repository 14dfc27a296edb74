"""Types of the confidential-mail schema."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.confidential.errors import ConfidentialErrorCode as CoreCode
from mailcore.core.models import CodeChannel

ConfidentialErrorCode = strawberry.enum(
    StrEnum("ConfidentialErrorCode", {c.name: c.value for c in CoreCode})
)
ConfidentialChannel = strawberry.enum(
    StrEnum("ConfidentialChannel", {c.name: c.value for c in CodeChannel}),
    description="How a one-time code reaches the reader (members: SMS or WECHAT).",
)


@strawberry.type(description="Set on confidential mail: what our clients must honour.")
class ConfidentialInfo:
    verified: bool = strawberry.field(description="The body is open to this session.")
    channels: list[ConfidentialChannel] = strawberry.field(
        description="Where this member can receive a code (empty for the sender)."
    )
    no_forward: bool = True
    no_print: bool = True
    sender: bool = strawberry.field(description="The caller sent it (no code needed).")
    visible_until: datetime | None = strawberry.field(
        default=None, description="Until when the verified body stays open to this session."
    )


@strawberry.type
class ConfidentialCodeSent:
    channel: ConfidentialChannel
    destination: str = strawberry.field(description="Masked: +86138****0000, WeChat.")
    expires_at: datetime


@strawberry.type(name="ConfidentialError")
class ConfidentialErrorType:
    code: ConfidentialErrorCode
    message: str
    field: str | None = None


@strawberry.type
class ConfidentialRead:
    name: str
    address: str
    external: bool = strawberry.field(description="Read through the link sent outside.")
    channel: ConfidentialChannel
    ip: str
    read_at: datetime


RequestCodeResult = Annotated[
    ConfidentialCodeSent | ConfidentialErrorType, strawberry.union("RequestConfidentialCodeResult")
]
