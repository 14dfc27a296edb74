"""Sends the forwards and auto-replies recorded by the rules policy, through the one ingest
path (local copies delivered, external ones queued); resumes what a restart interrupted.

Each ``RuleSend`` row is deleted in the same commit as the mail it sends, so a crash never
loses or doubles a forward. Any number of processes send: each works only on the rows it
holds a database lock on (``claim_keys``; the lock ends with the process that holds it).
A forward refused by policy (external sending restricted since it was set up) is not lost
either: the mail goes to the member's Inbox instead. A row whose mail is not in the blob
store (yet) is kept and tried again a minute later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

from mailcore.core.blobs import BlobNotFound
from mailcore.core.locks import claim_keys
from mailcore.core.mime.parse import parse_message
from mailcore.core.models import AutoReply, AutoReplySent, Member, Message, RuleSend
from mailcore.mail.routing import local_recipients, route
from mailcore.rules import autoreply
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestResult, IngestSource
from mailcore.store.services import Services

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
BATCH = 50
BLOB_RETRY_SECONDS = 60.0  # a send whose mail is missing from the blob store waits this long
_worker: RuleSender | None = None


def wake_soon() -> None:
    """Called after a commit recorded rule sends (the worker may be in another process)."""
    if _worker is not None:
        _worker.wake.set()


class RuleSender:
    def __init__(self, runtime: Services) -> None:
        self.runtime = runtime
        self.wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._waiting: dict[int, float] = {}  # row id → when to try again (blob missing)

    def start(self) -> None:
        global _worker
        _worker = self
        self._task = asyncio.create_task(self._run(), name="qiyou-rule-sender")

    async def stop(self) -> None:
        global _worker
        _worker = None
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                while await self.run_once():
                    pass
            except Exception:  # noqa: BLE001 - retried at the next wake-up
                log.exception("sending rule forwards/auto-replies failed")
            try:
                await asyncio.wait_for(self.wake.wait(), POLL_SECONDS)
            except TimeoutError:
                pass
            self.wake.clear()

    async def run_once(self) -> int:
        """Send the rows this process could claim of the first ``2 * BATCH``; how many."""
        moment = time.monotonic()
        self._waiting = {i: at for i, at in self._waiting.items() if at > moment}
        rows = await RuleSend.exclude(id__in=list(self._waiting)).order_by("id").limit(2 * BATCH)
        async with claim_keys("rule-send", [r.id for r in rows]) as mine:
            for row in rows:
                if row.id not in mine:
                    continue  # another process is sending it
                try:
                    await send_one(self.runtime.ingestor, self.runtime.blobs, row)
                except AlreadySent:
                    continue
                except BlobNotFound as exc:  # kept: temporary, never dropped
                    log.warning("rule send %s waits for its mail: %s", row.id, exc)
                    self._waiting[row.id] = moment + BLOB_RETRY_SECONDS
                    continue
                except Exception:  # noqa: BLE001 - one bad row must not block the others
                    log.exception("rule send %s failed; dropped", row.id)
                    await RuleSend.filter(id=row.id).delete()
        return len(mine - set(self._waiting))


class AlreadySent(Exception):
    """Raised inside a send's commit when its row is gone (another process sent it)."""


def _done(row_id: int):
    async def delete(result: IngestResult) -> None:
        if not await RuleSend.filter(id=row_id).delete():
            raise AlreadySent(row_id)  # rolls this send back: it was made elsewhere

    return delete


async def send_one(ingestor: Ingestor, blobs, row: RuleSend) -> None:
    from mailcore.store.request import PolicyRefusal

    member = await Member.filter(id=row.member_id, enabled=True).first()
    message = await Message.filter(id=row.message_pk).first()
    if member is None or message is None:
        await RuleSend.filter(id=row.id).delete()
        return
    original = await blobs.get(message.sha256)
    if row.kind == "autoreply":
        raw = await _auto_reply(member, row, original)
        envelope_from = ""  # RFC 3834: no bounces to an auto-reply
        if raw is None:
            await RuleSend.filter(id=row.id).delete()
            return
    else:
        raw = _resent(member, row.addresses, original)
        envelope_from = member.email
    routes = await route(row.addresses)
    local = await local_recipients(routes)
    if not local and not routes.external:  # the addresses went away since: nothing to send
        await RuleSend.filter(id=row.id).delete()
        return
    request = IngestRequest(
        raw=raw,
        source=IngestSource.RULE,
        envelope_from=envelope_from,
        deliveries=[Delivery(member_id=m) for m in local],
        outbound=routes.external,
        sender_member_id=member.id,
        on_commit=[_done(row.id)],
    )
    try:
        await ingestor.ingest(request)
    except PolicyRefusal as refusal:
        log.warning("rule %s of %s refused: %s", row.kind, member.email, refusal.message)
        fallback = [_done(row.id)]
        deliveries = []
        if row.kind == "forward" and not await _has_copy(member.id, message.id):
            deliveries = [Delivery(member_id=member.id)]
        await ingestor.ingest(
            IngestRequest(
                raw=original,
                source=IngestSource.RULE,
                envelope_from=member.email,
                deliveries=deliveries,
                on_commit=fallback,
            )
        )


async def _has_copy(member_id: int, message_pk: int) -> bool:
    from mailcore.core.models import MailboxEntry

    return await MailboxEntry.filter(member_id=member_id, message_id=message_pk).exists()


def _resent(member: Member, addresses: list[str], original: bytes) -> bytes:
    """The original unchanged, with Resent-* and loop headers on top (RFC 5322 3.6.6)."""
    now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    lines = [
        f"{autoreply.LOOP_HEADER}: {member.email}",
        f"Resent-From: {member.email}",
        f"Resent-To: {', '.join(addresses)}",
        f"Resent-Date: {now}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode() + original


async def _auto_reply(member: Member, row: RuleSend, original: bytes) -> bytes | None:
    """The reply, or None if this sender had one within the interval (or it is now off)."""
    settings = await AutoReply.filter(member_id=member.id).first()
    if settings is None or not autoreply.active(settings) or not row.addresses:
        return None
    to = row.addresses[0]
    now = datetime.now(UTC)
    last = await AutoReplySent.filter(member_id=member.id, address=to).first()
    if last is not None and last.sent_at > now - timedelta(days=settings.interval_days):
        return None
    if last is None:
        await AutoReplySent.create(member_id=member.id, address=to, sent_at=now)
    else:
        await AutoReplySent.filter(id=last.id).update(sent_at=now)
    return autoreply.build_reply(member, settings, to, parse_message(original))
