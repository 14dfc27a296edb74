"""Remembering, as a mail is stored, that it asks for a read receipt: an ingest policy that
only adds an ``on_commit`` row (``receipt_request``), so the row commits with the mail and
opening it later needs no look at its bytes. It never refuses or reshapes a mail.

Recorded for mail that reaches a mailbox as new mail, and for drafts; a mailing list's
mail (``List-Id``) asks for nothing (RFC 8098 2.1). The envelope sender is kept: a receipt
goes out automatically only when it is the one address receipts are asked for."""

from __future__ import annotations

from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import ReceiptRequest
from mailcore.receipts import mdn
from mailcore.store.request import IngestRequest, IngestResult, IngestSource

S = IngestSource
# New mail, and drafts (so that a reopened draft still asks).
RECORDED = frozenset({S.SMTP_INBOUND, S.SUBMISSION, S.COMPOSE, S.RULE, S.RELEASE, S.FETCH, S.DRAFT})


async def record(request: IngestRequest, parsed: ParsedMessage) -> None:
    if request.source not in RECORDED or not request.deliveries:
        return
    notify_to = mdn.requested(request.raw)
    if not notify_to:
        return
    return_path = (request.envelope_from or "").strip().strip("<>")[:320]

    async def store(result: IngestResult) -> None:
        if not await ReceiptRequest.filter(message_id=result.message_pk).exists():
            await ReceiptRequest.create(
                message_id=result.message_pk, notify_to=notify_to, return_path=return_path
            )

    request.on_commit.append(store)
