"""The read log of a confidential message, for its sender: who opened it, when, how, where."""

from __future__ import annotations

from mailcore.confidential.access import confidential_of
from mailcore.confidential.errors import ConfidentialError, ConfidentialErrorCode
from mailcore.core.models import ConfidentialRead
from mailcore.mail.mailbox import get_entry
from mailcore.store.errors import MailError

MAX_READS = 1000


async def reads_for_sender(member_id: int, entry_id: str) -> list[ConfidentialRead]:
    """Every verified opening of the sender's message ``entry_id``, oldest first."""
    try:
        entry = await get_entry(member_id, entry_id)
    except MailError as exc:
        raise ConfidentialError(
            ConfidentialErrorCode.NOT_FOUND, "no such message", "messageId"
        ) from exc
    conf = await confidential_of(entry.message_id)
    if conf is None:
        raise ConfidentialError(
            ConfidentialErrorCode.NOT_CONFIDENTIAL, "this message is not confidential", "messageId"
        )
    if conf.sender_id != member_id:
        raise ConfidentialError(
            ConfidentialErrorCode.FORBIDDEN, "only the sender sees who read it", "messageId"
        )
    return list(
        await ConfidentialRead.filter(confidential_id=conf.id)
        .order_by("created_at", "id")
        .limit(MAX_READS)
        .select_related("member")
    )
