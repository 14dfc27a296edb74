"""DataLoaders of the mail schema: a listed message's per-item fields that read the
database, each batched into one call of a ``*_many`` function of mailcore for the whole
page (``Context.loader`` keeps one per request; keys are the viewer's entries).

Every function gets the request's context and the entries, and answers in their order,
with the permission of the single-message function it batches (sender-only stays so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailcore.core.models import MailboxEntry, OutboundMessage, ReadReceipt, Recall
from mailcore.mail.mailbox import outbound_status_many
from mailcore.mailauth.spoofing import warnings
from mailcore.policy.massmail import Progress, progress_for_sent
from mailcore.policy.recall import latest_recalls
from mailcore.receipts.reading import Asked, asked_many
from mailcore.receipts.received import receipts_for_many, requested_many

if TYPE_CHECKING:
    from schema.context import Context


async def deliveries(ctx: Context, entries: list[MailboxEntry]) -> list[list[OutboundMessage]]:
    found = await outbound_status_many(ctx.member_id, [e.message_id for e in entries])
    return [found.get(e.message_id, []) for e in entries]


async def recall(ctx: Context, entries: list[MailboxEntry]) -> list[Recall | None]:
    found = await latest_recalls(ctx.member_id, [e.id for e in entries])
    return [found.get(e.id) for e in entries]


async def mass_mail(ctx: Context, entries: list[MailboxEntry]) -> list[Progress | None]:
    found = await progress_for_sent(ctx.member_id, [e.id for e in entries])
    return [found.get(e.id) for e in entries]


async def receipt_request(ctx: Context, entries: list[MailboxEntry]) -> list[Asked | None]:
    found = await asked_many(ctx.member_id, entries)
    return [found.get(e.id) for e in entries]


async def receipt_requested(ctx: Context, entries: list[MailboxEntry]) -> list[bool]:
    found = await requested_many([e.message_id for e in entries])
    return [e.message_id in found for e in entries]


async def read_receipts(ctx: Context, entries: list[MailboxEntry]) -> list[list[ReadReceipt]]:
    found = await receipts_for_many(ctx.member_id, [e.message_id for e in entries])
    return [found.get(e.message_id, []) for e in entries]


async def spoof_warning(ctx: Context, entries: list[MailboxEntry]) -> list[str | None]:
    found = await warnings([e.message_id for e in entries])
    return [found.get(e.message_id) for e in entries]
