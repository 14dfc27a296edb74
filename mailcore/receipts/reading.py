"""Sending a read receipt when a member opens a mail that asks for one (RFC 8098).

The member's choice (``mailcore/receipts/settings.py``) decides: ``never``; ``ask`` (the
client asks, then calls ``send`` or ``decline``); ``always`` (``AutoReceipts`` sends one as
the mail is marked read) — except where RFC 8098 2.1 says a receipt must not go out
unasked: when it would go to another address than the envelope sender's, the member is
asked instead. Never for mail in Spam, mail the member sent, or a second time: the entry
is marked with the IMAP keyword ``$MDNSent`` (RFC 3503) *before* the receipt is stored,
by a compare-and-set on its modification sequence, so two clicks, two processes or a
crash never send two (a receipt that then fails to store is unmarked again).

A receipt is built by ``mailcore/receipts/mdn.py`` and goes through the one ingest path as
``IngestSource.DSN`` (a report from the null sender, as receipts from outside arrive):
local recipients get it now, external ones through the outbound queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from mailcore.core.models import (
    ChangeKind,
    Folder,
    FolderRole,
    MailboxEntry,
    Member,
    ReceiptMode,
    ReceiptRequest,
)
from mailcore.mail.routing import local_recipients, route
from mailcore.org.addresses import normalize_address
from mailcore.receipts import mdn
from mailcore.receipts.errors import ReceiptError, ReceiptErrorCode
from mailcore.receipts.settings import mode_of
from mailcore.store.errors import MailError
from mailcore.store.ingest import Delivery, IngestRequest, IngestSource
from mailcore.store.registry import EntryChange
from mailcore.store.request import PolicyRefusal
from mailcore.store.services import Services

log = logging.getLogger(__name__)

SENT = "$MDNSent"
NOT_ASKED = (FolderRole.SPAM, FolderRole.SENT, FolderRole.DRAFTS)


def handled(entry: MailboxEntry) -> bool:
    return SENT.casefold() in (w.casefold() for w in (entry.keywords or "").split())


@dataclass(frozen=True)
class Asked:
    """A mail in a member's mailbox that asks for a receipt, and what the member may do."""

    entry: MailboxEntry
    request: ReceiptRequest
    handled: bool  # sent or declined already
    automatic: bool  # RFC 8098 2.1 allows sending it unasked
    mode: ReceiptMode

    @property
    def ask(self) -> bool:
        """The client should ask the member now."""
        if self.handled or self.mode is ReceiptMode.NEVER:
            return False
        return self.mode is ReceiptMode.ASK or not self.automatic


async def asked(member_id: int, entry: MailboxEntry) -> Asked | None:
    """What the entry asks of its member; None if it asks nothing of them (no request, in
    Spam, their own mail)."""
    return (await asked_many(member_id, [entry])).get(entry.id)


async def asked_many(member_id: int, entries: list[MailboxEntry]) -> dict[int, Asked]:
    """``asked`` of several of the member's entries with a few queries whatever their
    number (entry id → what it asks; entries that ask nothing of them are left out)."""
    requests = {
        r.message_id: r
        for r in await ReceiptRequest.filter(message_id__in={e.message_id for e in entries})
    }
    asking = [e for e in entries if e.message_id in requests]
    if not asking:
        return {}
    roles = dict(
        await Folder.filter(id__in={e.folder_id for e in asking}).values_list("id", "role")
    )
    asking = [e for e in asking if roles.get(e.folder_id) not in NOT_ASKED]
    if not asking:
        return {}
    addresses = {
        a
        for e in asking
        for a in (*requests[e.message_id].notify_to, requests[e.message_id].return_path or "")
    }
    routes = await route(sorted(addresses))
    mode = await mode_of(member_id)
    found = {}
    for entry in asking:
        request = requests[entry.message_id]
        theirs = [*request.notify_to, request.return_path or ""]
        if any(routes.local.get(normalize_address(a)) == member_id for a in theirs):
            continue  # mail from themselves (an address or alias of theirs)
        notify = [normalize_address(a) for a in request.notify_to]
        automatic = len(notify) == 1 and notify[0] == normalize_address(request.return_path)
        found[entry.id] = Asked(entry, request, handled(entry), automatic, mode)
    return found


async def _entry(member_id: int, entry_id: int | str) -> MailboxEntry:
    try:
        pk = int(entry_id)
    except (TypeError, ValueError):
        pk = -1
    entry = await MailboxEntry.filter(member_id=member_id, id=pk).select_related("message").first()
    if entry is None:
        raise ReceiptError(ReceiptErrorCode.NOT_FOUND, "no such message", "id")
    return entry


async def _asked(member_id: int, entry_id: int | str) -> Asked:
    found = await asked(member_id, await _entry(member_id, entry_id))
    if found is None:
        raise ReceiptError(ReceiptErrorCode.NOT_REQUESTED, "this mail asks for no receipt", "id")
    if found.handled:
        raise ReceiptError(
            ReceiptErrorCode.ALREADY_HANDLED, "a receipt was sent or declined already", "id"
        )
    return found


async def _mark(services: Services, found: Asked, origin: int | None) -> bool:
    """Set ``$MDNSent`` unless anything changed the entry since it was read; True if set."""
    try:
        result = await services.ingestor.changes.store_flags(
            found.entry.member_id,
            [found.entry.id],
            origin,
            keywords_add=[SENT],
            unchanged_since=found.entry.modseq,
        )
    except MailError as exc:  # removed meanwhile
        raise ReceiptError(ReceiptErrorCode.NOT_FOUND, exc.message, "id") from exc
    return bool(result.entries)


async def _claim(services: Services, member_id: int, entry_id: int, origin: int | None) -> Asked:
    """Mark the entry, retrying when another change (marking it read) came in between."""
    for _ in range(5):
        found = await _asked(member_id, entry_id)
        if await _mark(services, found, origin):
            return found
    raise ReceiptError(ReceiptErrorCode.ALREADY_HANDLED, "the mail is being changed", "id")


async def send(
    services: Services,
    member: Member,
    entry_id: int | str,
    *,
    automatic: bool = False,
    origin: int | None = None,
) -> None:
    """Send the receipt of one of the member's mails (ReceiptError if it may not)."""
    found = await _claim(services, member.id, await _entry_id(member.id, entry_id), origin)
    try:
        await _deliver(services, member, found, automatic)
    except Exception:
        with contextlib.suppress(MailError):  # unless the mail was removed meanwhile
            await services.ingestor.changes.store_flags(
                member.id, [found.entry.id], origin, keywords_remove=[SENT]
            )
        raise


async def decline(
    services: Services, member: Member, entry_id: int | str, origin: int | None = None
) -> None:
    """Send none, and ask no more (``$MDNSent`` means sent or declined, RFC 3503)."""
    await _claim(services, member.id, await _entry_id(member.id, entry_id), origin)


async def _entry_id(member_id: int, entry_id: int | str) -> int:
    return (await _entry(member_id, entry_id)).id


async def _deliver(services: Services, member: Member, found: Asked, automatic: bool) -> None:
    message = found.entry.message
    original = await services.blobs.get(message.sha256)
    raw = mdn.build_mdn(
        hostname=services.settings.hostname,
        reader_name=member.name,
        reader=member.email,
        to=found.request.notify_to,
        original=mdn.original_of(original),
        subject=message.subject,
        sent=message.date,
        automatic=automatic,
    )
    routes = await route(found.request.notify_to)
    if routes.groups or routes.roles:
        # A receipt names one person; to a group (or postmaster@ and the like) it would let
        # a stranger's Disposition-Notification-To mail a whole list as a colleague.
        raise ReceiptError(
            ReceiptErrorCode.NOT_ALLOWED, "a receipt is not sent to a group address", "id"
        )
    local = await local_recipients(routes)
    if not local and not routes.external:
        raise ReceiptError(ReceiptErrorCode.INVALID, "the receipt has nowhere to go", "id")
    try:
        await services.ingestor.ingest(
            IngestRequest(
                raw=raw,
                source=IngestSource.DSN,
                envelope_from="",  # RFC 8098 3: a receipt is sent from the null sender
                deliveries=[Delivery(member_id=m, enforce_quota=False) for m in local],
                outbound=routes.external,
                sender_member_id=member.id,
            )
        )
    except PolicyRefusal as refusal:
        raise ReceiptError(ReceiptErrorCode.NOT_ALLOWED, refusal.message, "id") from refusal


class AutoReceipts:
    """A change listener: when a member with ``always`` marks mail read, send the receipts
    it asks for and RFC 8098 lets go unasked — off the caller's path (a lost one is a
    receipt not sent, never one sent twice)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._tasks: set[asyncio.Task[None]] = set()

    async def changed(self, change: EntryChange) -> None:
        if change.kind is not ChangeKind.FLAGS:
            return
        task = asyncio.create_task(self._send(change.member_id, change.entry_ids))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, member_id: int, entry_ids: list[int]) -> None:
        try:
            if await mode_of(member_id) is not ReceiptMode.ALWAYS:
                return
            entries = await MailboxEntry.filter(member_id=member_id, id__in=entry_ids, seen=True)
            candidates = [e for e in entries if not handled(e)]
            if not candidates:
                return
            asking = set(
                await ReceiptRequest.filter(
                    message_id__in=[e.message_id for e in candidates]
                ).values_list("message_id", flat=True)
            )
            member = await Member.filter(id=member_id, enabled=True).first()
            if member is None:
                return
            for entry in candidates:
                if entry.message_id not in asking:
                    continue
                found = await asked(member_id, entry)
                if found is None or found.handled or not found.automatic:
                    continue  # nothing asked, or the member is asked instead
                try:
                    await send(self.services, member, entry.id, automatic=True)
                except (ReceiptError, MailError) as exc:
                    log.info("no automatic receipt for entry %s: %s", entry.id, exc)
        except Exception:  # noqa: BLE001 - a receipt not sent; the mail is read all the same
            log.exception("automatic read receipts of member %s failed", member_id)

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)
