"""The archive policy: one immutable record per message and enterprise, committed with the mail.

Runs in the ingest path (``mailcore/policy/pipeline.py``) for the sources in ``ARCHIVED``,
except mail Qiyou writes as itself (``our_own``). For each enterprise involved (the sender's, the
recipients') whose archive is enabled it records direction, envelope sender and
recipients (Bcc included), header From, Date, Subject, attachment names and the body
text, referencing the raw message by content address.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mailcore.archive.envelope import Envelope, envelope_of
from mailcore.core.db import db_text
from mailcore.core.mime.sanitize import html_to_text
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import ArchiveDirection, ArchiveParty, ArchiveRecord, ArchiveSettings
from mailcore.policy.presence import Presence
from mailcore.search.contract import ARCHIVE
from mailcore.search.indexer import jobs as search_jobs
from mailcore.store import outbox
from mailcore.store.request import IngestRequest, IngestResult, IngestSource

MAX_BODY = 200_000
S = IngestSource
# What the archive records, by source: mail that reaches or leaves a mailbox. Not recorded:
# drafts, a member's own mail stored from elsewhere (import, IMAP APPEND, migration), and
# mail the archive holds already (a release was recorded when it was submitted; a restore
# comes out of the archive).
ARCHIVED = frozenset({S.SMTP_INBOUND, S.DSN, S.FETCH, S.SUBMISSION, S.COMPOSE, S.RULE, S.SYSTEM})


def our_own(request: IngestRequest) -> bool:
    """Mail Qiyou writes as itself (approval notices with their one-time links, codes), not
    on a member's behalf as a notice is: neither the archive nor backups keep it."""
    return request.source is IngestSource.SYSTEM and request.sender_member_id is None


def body_text(parsed: ParsedMessage) -> str:
    text = parsed.text or (html_to_text(parsed.html) if parsed.html else "")
    return text[:MAX_BODY]


async def _enterprises_archiving() -> list[int]:
    return await ArchiveSettings.filter(enabled=True).values_list("enterprise_id", flat=True)


ARCHIVING = Presence(_enterprises_archiving)  # enterprises with the archive on


async def apply(request: IngestRequest, parsed: ParsedMessage) -> None:
    if request.source not in ARCHIVED or our_own(request):
        return
    if not await ARCHIVING.any():
        return
    envelope = await envelope_of(request)
    if not envelope.recipients and not envelope.external:
        return
    enabled = set(
        await ArchiveSettings.filter(
            enterprise_id__in=envelope.enterprises, enabled=True
        ).values_list("enterprise_id", flat=True)
    )
    if not enabled:
        return
    records = [r for ent in sorted(enabled) if (r := _record(ent, request, envelope, parsed))]

    async def store(result: IngestResult) -> None:
        now = datetime.now(UTC)
        for record, parties in records:
            record.sha256 = result.sha256
            record.archived_at = now
            await record.save()
            await ArchiveParty.bulk_create(
                [ArchiveParty(record_id=record.id, **p) for p in parties]
            )
        # The search index learns of them through the outbox, in this same transaction.
        await outbox.add(search_jobs(ARCHIVE, [r.id for r, _ in records], new=True))

    request.on_commit.append(store)


def _record(
    enterprise_id: int, request: IngestRequest, envelope: Envelope, parsed: ParsedMessage
) -> tuple[ArchiveRecord, list[dict]] | None:
    sender_in = envelope.sender is not None and envelope.sender.enterprise_id == enterprise_id
    inside = [p for p in envelope.recipients if p.enterprise_id == enterprise_id]
    outside = envelope.external + [
        p.email for p in envelope.recipients if p.enterprise_id != enterprise_id
    ]
    if not sender_in and not inside:
        return None
    if not sender_in:
        direction = ArchiveDirection.INBOUND
    elif outside:
        direction = ArchiveDirection.OUTBOUND
    else:
        direction = ArchiveDirection.INTERNAL
    parties = [{"member_id": p.member_id, "address": p.email, "sent": False} for p in inside]
    if sender_in and envelope.sender is not None:
        parties.append(
            {"member_id": envelope.sender.member_id, "address": envelope.sender.email, "sent": True}
        )
    recipients = [p.email for p in envelope.recipients] + envelope.external
    names = [db_text(a.filename, 500) for a in parsed.attachments if a.filename and not a.inline]
    names = names[:200]
    sender = parsed.from_
    record = ArchiveRecord(
        enterprise_id=enterprise_id,
        sha256="",
        size=parsed.size,
        direction=direction,
        envelope_from=db_text(request.envelope_from, 320),
        from_address=db_text(sender.address if sender else "", 320),
        from_name=db_text(sender.name if sender else "", 320),
        recipients=recipients[:1000],
        recipients_text=" ".join(recipients).lower(),
        subject=db_text(parsed.subject, 5000),
        message_id=db_text(parsed.message_id or "", 998),
        date=parsed.date,
        attachment_names=names,
        attachments_text=" ".join(names),
        body_text=db_text(body_text(parsed), MAX_BODY),
    )
    return record, parties
