"""Mutations of confidential mail: ask for a one-time code, verify it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.confidential import codes
from mailcore.confidential.errors import ConfidentialError
from mailcore.core.models import CodeChannel
from schema.confidential import gate
from schema.confidential.types import (
    ConfidentialChannel,
    ConfidentialCodeSent,
    ConfidentialErrorCode,
    ConfidentialErrorType,
    RequestCodeResult,
)
from schema.mail.types import Message
from schema.permissions import IsAuthenticated


@strawberry.type
class ConfidentialVerified:
    opened: Message = strawberry.field(description="The message, its body now open.")
    visible_until: datetime


VerifyCodeResult = Annotated[
    ConfidentialVerified | ConfidentialErrorType, strawberry.union("VerifyConfidentialCodeResult")
]


def _error(exc: ConfidentialError) -> ConfidentialErrorType:
    return ConfidentialErrorType(
        code=ConfidentialErrorCode(exc.code.value), message=exc.message, field=exc.field
    )


@strawberry.type
class ConfidentialMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Send a one-time code for a confidential message to your phone or WeChat.",
    )
    async def request_confidential_code(
        self, info: Info, id: strawberry.ID, channel: ConfidentialChannel
    ) -> RequestCodeResult:
        ctx = info.context
        try:
            sent = await codes.request_member_code(
                ctx.runtime.settings, ctx.identity.member, id, CodeChannel(channel.value)
            )
        except ConfidentialError as exc:
            return _error(exc)
        return ConfidentialCodeSent(
            channel=ConfidentialChannel(sent.channel.value),
            destination=sent.destination,
            expires_at=sent.expires_at,
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Verify the code: the message opens to this session for a while.",
    )
    async def verify_confidential_code(
        self, info: Info, id: strawberry.ID, code: str
    ) -> VerifyCodeResult:
        ctx = info.context
        try:
            entry, read = await codes.verify_member_code(
                ctx.runtime.settings,
                ctx.identity.member,
                ctx.session_id,
                ctx.client_ip,
                id,
                code,
            )
        except ConfidentialError as exc:
            return _error(exc)
        gate.forget(info)
        return ConfidentialVerified(opened=Message(entry=entry), visible_until=read.expires_at)
