"""Self-service queries (U10): a member's own login history, the delivery status of what they
sent, and a log of what they received. Every function only reads the member's own rows."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tortoise.expressions import Q

from mailcore.core.models import (
    FolderRole,
    LoginEvent,
    MailboxEntry,
    OutboundMessage,
    OutboundStatus,
)
from mailcore.logs import paging
from mailcore.logs.errors import LogError, LogErrorCode
from mailcore.mail.routing import route
from mailcore.org.addresses import normalize_address

RECEIVED_ROLES = [FolderRole.INBOX, FolderRole.SPAM, FolderRole.TRASH, FolderRole.ARCHIVE]


class DeliveryState(StrEnum):
    DELIVERED = "DELIVERED"  # stored in a local mailbox
    QUEUED = "QUEUED"  # waiting for (or in) remote delivery
    SENT = "SENT"  # accepted by the remote server
    FAILED = "FAILED"
    RECALLED = "RECALLED"  # recalled by the sender before it was handed on


class RecipientKind(StrEnum):
    LOCAL = "LOCAL"
    GROUP = "GROUP"
    EXTERNAL = "EXTERNAL"


@dataclass(frozen=True)
class RecipientStatus:
    address: str
    kind: RecipientKind
    status: DeliveryState
    detail: str = ""
    attempts: int = 0


_OUTBOUND = {
    OutboundStatus.QUEUED: DeliveryState.QUEUED,
    OutboundStatus.SENDING: DeliveryState.QUEUED,
    OutboundStatus.SENT: DeliveryState.SENT,
    OutboundStatus.FAILED: DeliveryState.FAILED,
    OutboundStatus.RECALLED: DeliveryState.RECALLED,
}


def received_where() -> Q:
    """Mailbox entries that were received (not the member's own Sent copies or drafts)."""
    return Q(folder__role__isnull=True) | Q(folder__role__in=RECEIVED_ROLES)


async def my_logins(member_id: int, first: int | None, after: str | None) -> paging.Page:
    limit = paging.size(first)
    cursor = paging.decode(after)
    rows = (
        await LoginEvent.filter(paging.before(cursor, "created_at"), member_id=member_id)
        .order_by("-created_at", "-id")
        .limit(limit + 1)
    )
    return paging.page(rows, limit, lambda e: paging.Cursor(e.created_at, e.id))


async def received_log(member_id: int, first: int | None, after: str | None) -> paging.Page:
    """Mail the member received, newest first, with the folder each message is in now."""
    limit = paging.size(first)
    cursor = paging.decode(after)
    rows = (
        await MailboxEntry.filter(
            received_where(), paging.before(cursor, "received_at"), member_id=member_id
        )
        .order_by("-received_at", "-id")
        .limit(limit + 1)
        .select_related("message", "folder")
    )
    return paging.page(rows, limit, lambda e: paging.Cursor(e.received_at, e.id))


def _addresses(entry: MailboxEntry) -> list[str]:
    message = entry.message
    found: dict[str, None] = {}
    for pair in [*(message.to_json or []), *(message.cc_json or [])]:
        if isinstance(pair, list | tuple) and len(pair) == 2 and pair[1]:
            found[normalize_address(str(pair[1]))] = None
    for address in entry.bcc_json or []:
        if isinstance(address, str) and address:
            found[normalize_address(address)] = None
    return list(found)


async def sent_status(member_id: int, entry_id: int | str) -> list[RecipientStatus]:
    """Per recipient of a message the member sent: delivered locally, queued, sent or failed."""
    try:
        pk = int(entry_id)
    except (TypeError, ValueError):
        pk = -1
    entry = (
        await MailboxEntry.filter(id=pk, member_id=member_id, folder__role=FolderRole.SENT)
        .select_related("message")
        .first()
    )
    if entry is None:
        raise LogError(LogErrorCode.NOT_FOUND, "no such message in your Sent folder", "messageId")
    addresses = _addresses(entry)
    outbound = {
        normalize_address(o.recipient): o
        for o in await OutboundMessage.filter(
            message_id=entry.message_id, sender_id=member_id
        ).order_by("id")
    }
    routes = await route(addresses)
    copies = set(
        await MailboxEntry.filter(message_id=entry.message_id)
        .exclude(id=entry.id)
        .values_list("member_id", flat=True)
    )
    result: list[RecipientStatus] = []
    for address in addresses:
        if address in routes.local:
            delivered = routes.local[address] in copies
            result.append(
                RecipientStatus(
                    address,
                    RecipientKind.LOCAL,
                    DeliveryState.DELIVERED if delivered else DeliveryState.FAILED,
                    "" if delivered else "not delivered (mailbox full or removed)",
                )
            )
        elif address in routes.groups:
            others = copies - set(routes.local.values())
            result.append(
                RecipientStatus(
                    address,
                    RecipientKind.GROUP,
                    DeliveryState.DELIVERED if others else DeliveryState.FAILED,
                    f"{len(others)} members received it",
                )
            )
        elif address in outbound:
            row = outbound.pop(address)
            result.append(
                RecipientStatus(
                    row.recipient,
                    RecipientKind.EXTERNAL,
                    _OUTBOUND[row.status],
                    row.last_error,
                    row.attempts,
                )
            )
    # Envelope-only recipients (not in the headers) that were queued.
    for row in outbound.values():
        result.append(
            RecipientStatus(
                row.recipient,
                RecipientKind.EXTERNAL,
                _OUTBOUND[row.status],
                row.last_error,
                row.attempts,
            )
        )
    return result
