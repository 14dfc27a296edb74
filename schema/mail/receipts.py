"""Read receipts (RFC 8098) in the schema: the member's choice, what an opened mail asks,
the receipts on a sent mail, and sending or declining one (``mailcore/receipts``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.core.models import MailboxEntry, ReceiptMode
from mailcore.org.service import get_member
from mailcore.receipts import reading, settings
from mailcore.receipts.errors import ReceiptError
from mailcore.receipts.errors import ReceiptErrorCode as CoreCode
from schema.mail import loaders
from schema.permissions import IsAuthenticated

ReceiptErrorCode = strawberry.enum(StrEnum("ReceiptErrorCode", {c.name: c.value for c in CoreCode}))
ReadReceiptMode = strawberry.enum(
    StrEnum("ReadReceiptMode", {m.name: m.value for m in ReceiptMode}),
    description="What opening a mail that asks for a read receipt does.",
)


@strawberry.type
class ReadReceiptRequest:
    """A mail the viewer received asks for a read receipt."""

    notify_to: list[str] = strawberry.field(description="Where the receipt would go.")
    handled: bool = strawberry.field(description="A receipt was sent or declined already.")
    ask: bool = strawberry.field(
        description="Ask the member now (their choice is ASK, or ALWAYS for a receipt that "
        "would go elsewhere than to the envelope sender); then sendReadReceipt or "
        "declineReadReceipt."
    )

    @classmethod
    def of(cls, found: reading.Asked) -> ReadReceiptRequest:
        return cls(notify_to=list(found.request.notify_to), handled=found.handled, ask=found.ask)


@strawberry.type
class ReadReceipt:
    """A receipt that came back for a mail the viewer sent."""

    recipient: str
    disposition: str = strawberry.field(description="displayed, deleted, dispatched, processed")
    automatic: bool = strawberry.field(description="Sent automatically, not by a click.")
    at: datetime


async def request_of(info: Info, entry: MailboxEntry) -> ReadReceiptRequest | None:
    found = await info.context.loader(loaders.receipt_request).load(entry)
    return ReadReceiptRequest.of(found) if found else None


async def requested(info: Info, entry: MailboxEntry) -> bool:
    return await info.context.loader(loaders.receipt_requested).load(entry)


async def receipts_of(info: Info, entry: MailboxEntry) -> list[ReadReceipt]:
    rows = await info.context.loader(loaders.read_receipts).load(entry)
    return [
        ReadReceipt(
            recipient=r.recipient,
            disposition=r.disposition,
            automatic=r.automatic,
            at=r.reported_at,
        )
        for r in rows
    ]


@strawberry.type(name="ReceiptError")
class ReceiptErrorType:
    code: ReceiptErrorCode  # type: ignore[valid-type]
    message: str
    field: str | None = None


@strawberry.type
class ReadReceiptDone:
    id: strawberry.ID


@strawberry.type
class ReadReceiptModeSet:
    mode: ReadReceiptMode  # type: ignore[valid-type]


ReadReceiptResult = Annotated[
    ReadReceiptDone | ReceiptErrorType, strawberry.union("ReadReceiptResult")
]


def _error(exc: ReceiptError) -> ReceiptErrorType:
    return ReceiptErrorType(
        code=ReceiptErrorCode(exc.code.value), message=exc.message, field=exc.field
    )


@strawberry.type
class ReceiptsQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The member's choice for mail that asks for a read receipt.",
    )
    async def read_receipt_mode(self, info: Info) -> ReadReceiptMode:  # type: ignore[valid-type]
        return ReadReceiptMode(str(await settings.mode_of(info.context.member_id)))


@strawberry.type
class ReceiptsMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def set_read_receipt_mode(
        self,
        info: Info,
        mode: ReadReceiptMode,  # type: ignore[valid-type]
    ) -> ReadReceiptModeSet:
        saved = await settings.set_mode(info.context.member_id, ReceiptMode(mode.value))
        return ReadReceiptModeSet(mode=ReadReceiptMode(str(saved)))

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Send the read receipt a received mail asks for (once).",
    )
    async def send_read_receipt(self, info: Info, id: strawberry.ID) -> ReadReceiptResult:
        ctx = info.context
        try:
            member = await get_member(ctx.member_id)
            await reading.send(ctx.runtime, member, id, origin=ctx.session_id)
        except ReceiptError as exc:
            return _error(exc)
        return ReadReceiptDone(id=id)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Send no read receipt for this mail, and ask no more.",
    )
    async def decline_read_receipt(self, info: Info, id: strawberry.ID) -> ReadReceiptResult:
        ctx = info.context
        try:
            member = await get_member(ctx.member_id)
            await reading.decline(ctx.runtime, member, id, origin=ctx.session_id)
        except ReceiptError as exc:
            return _error(exc)
        return ReadReceiptDone(id=id)
