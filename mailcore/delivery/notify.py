"""Telling senders: a bounce (RFC 3464 ``failed``) for rows that failed for good, once a
delay warning (``delayed``) for rows still being retried after ``QIYOU_OUTBOUND_DELAY_WARNING``,
and a ``relayed`` report for rows handed to a server that does not do DSN when the sender
asked for success reports. Each row's ``NOTIFY`` decides whether it is reported (NEVER: never;
not given: failures and delays); ``RET=FULL`` returns the whole message with a bounce, else
its headers; ``ENVID`` and ``ORCPT`` are given back in the report's fields (RFC 3461 6.3).
The report is delivered to the sender's own mailbox through the one ingest path; a row is
marked only after that, so a crash at worst repeats a report, never loses one.

``report_delivered``: the ``delivered`` report (RFC 3461 6.2.1) for recipients in this
system whose NOTIFY asked for SUCCESS, made when the submitted message is stored."""

from __future__ import annotations

import logging
from datetime import timedelta

from mailcore.core.config import Settings
from mailcore.core.models import Message, OutboundMessage, OutboundStatus
from mailcore.delivery import queue
from mailcore.delivery.dsn import RecipientReport, build_dsn, status_of
from mailcore.delivery.dsn_params import wants
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestSource
from mailcore.store.request import Dsn, PolicyRefusal

log = logging.getLogger(__name__)

BATCH = 200
_EVENT = {"failed": "FAILURE", "delayed": "DELAY", "relayed": "SUCCESS"}


def _status(row: OutboundMessage, action: str) -> str:
    return "2.0.0" if action == "relayed" else status_of(row.last_error, action == "failed")


def _groups(rows: list[OutboundMessage]) -> dict[tuple, list[OutboundMessage]]:
    groups: dict[tuple, list[OutboundMessage]] = {}
    for row in rows:
        key = (row.message_id, row.sender_id, row.envelope_from, row.dsn_ret, row.dsn_envid)
        groups.setdefault(key, []).append(row)
    return groups


async def _report(
    settings: Settings,
    ingestor: Ingestor,
    rows: list[OutboundMessage],
    action: str,
) -> bool:
    """Deliver one report for ``rows`` (one message, one sender); True when handled."""
    rows = [r for r in rows if wants(r.dsn_notify, _EVENT[action])]
    if not rows:
        return True  # the sender asked not to hear of this
    first = rows[0]
    if first.sender_id is None or not first.envelope_from:
        return True  # nobody to tell (a member since removed, or a null sender)
    message = await Message.get(id=first.message_id)
    original = await ingestor.blobs.get(message.sha256)
    retry_until = first.created_at + timedelta(seconds=settings.outbound_lifetime)
    reports = [
        RecipientReport(
            recipient=row.recipient,
            action=action,
            status=_status(row, action),
            diagnostic=row.last_error or "no reply",
            remote_host=row.remote_host,
            last_attempt=queue.now() if action != "delayed" else None,
            retry_until=retry_until if action == "delayed" else None,
            original_recipient=row.dsn_orcpt,
        )
        for row in rows
    ]
    raw = build_dsn(
        reporting_mta=settings.hostname,
        to=first.envelope_from,
        original=original,
        reports=reports,
        arrival=first.created_at,
        envid=first.dsn_envid,
        full=action == "failed" and first.dsn_ret == "FULL",
    )
    try:
        await ingestor.ingest(
            IngestRequest(
                raw=raw,
                source=IngestSource.DSN,
                envelope_from="",
                deliveries=[Delivery(member_id=first.sender_id, enforce_quota=False)],
            )
        )
    except PolicyRefusal as exc:
        log.warning("delivery report to %s refused by policy: %s", first.envelope_from, exc)
    return True


async def send_reports(settings: Settings, ingestor: Ingestor) -> None:
    failed = await OutboundMessage.filter(status=OutboundStatus.FAILED, bounced=False).limit(BATCH)
    for rows in _groups(failed).values():
        try:
            await _report(settings, ingestor, rows, "failed")
        except Exception:
            log.exception("could not deliver a bounce for message %s", rows[0].message_id)
            continue
        await OutboundMessage.filter(id__in=[r.id for r in rows]).update(bounced=True)
    if settings.outbound_delay_warning <= 0:
        return
    late = await OutboundMessage.filter(
        status=OutboundStatus.QUEUED,
        warned=False,
        attempts__gt=0,
        created_at__lte=queue.now() - timedelta(seconds=settings.outbound_delay_warning),
    ).limit(BATCH)
    for rows in _groups(late).values():
        try:
            await _report(settings, ingestor, rows, "delayed")
        except Exception:
            log.exception("could not deliver a delay warning for message %s", rows[0].message_id)
            continue
        await OutboundMessage.filter(id__in=[r.id for r in rows]).update(warned=True)
    relayed = await OutboundMessage.filter(
        status=OutboundStatus.SENT, dsn_relayed=True, bounced=False
    ).limit(BATCH)
    for rows in _groups(relayed).values():
        try:
            await _report(settings, ingestor, rows, "relayed")
        except Exception:
            log.exception("could not deliver a relay report for message %s", rows[0].message_id)
            continue
        await OutboundMessage.filter(id__in=[r.id for r in rows]).update(bounced=True)


async def report_delivered(
    settings: Settings,
    ingestor: Ingestor,
    *,
    sender_id: int,
    envelope_from: str,
    original: bytes,
    recipients: dict[str, str],
    dsn: Dsn,
) -> bool:
    """A report to the sender for the ``recipients`` delivered here (address → action:
    ``delivered``, or ``expanded`` for a group) whose NOTIFY has SUCCESS; True if one was
    made."""
    wanted = [r for r in recipients if wants(dsn.notify.get(r.lower(), ""), "SUCCESS")]
    if not wanted or not envelope_from:
        return False
    moment = queue.now()
    reports = [
        RecipientReport(
            recipient=rcpt,
            action=recipients[rcpt],
            status="2.0.0",
            diagnostic="delivered to the mailbox"
            if recipients[rcpt] == "delivered"
            else "delivered to the group's members",
            last_attempt=moment,
            original_recipient=dsn.orcpt.get(rcpt.lower(), ""),
        )
        for rcpt in wanted
    ]
    raw = build_dsn(
        reporting_mta=settings.hostname,
        to=envelope_from,
        original=original,
        reports=reports,
        arrival=moment,
        envid=dsn.envid,
    )
    await ingestor.ingest(
        IngestRequest(
            raw=raw,
            source=IngestSource.DSN,
            envelope_from="",
            deliveries=[Delivery(member_id=sender_id, enforce_quota=False)],
        )
    )
    return True
