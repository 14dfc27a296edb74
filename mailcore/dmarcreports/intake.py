"""Reports as they arrive: recognised as a mail is stored (``report_jobs``, an outbox job
committed with it, no I/O), read and recorded by the outbox worker (``Recorder``).

A report is kept for the enterprise owning the domain it is about, and only when the mail
reached an administrator of that enterprise (``dmarc@`` of every hosted domain reaches them,
``mailcore/mail/routing.py``): a member cannot put reports in another enterprise's table.
The mail itself stays in the administrators' Inbox; one that cannot be read makes no row.
A repeat (at-least-once outbox, or the reporter sending again) records nothing new.
"""

from __future__ import annotations

import asyncio
import logging

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mailcore.core.models import (
    DmarcRecord,
    DmarcReport,
    Domain,
    FolderRole,
    Message,
)
from mailcore.dmarcreports.parse import Report, ReportError, looks_like_report, report_from_mail
from mailcore.mail.routing import administrators
from mailcore.org.addresses import normalize_domain
from mailcore.store.outbox import MessageJobs
from mailcore.store.registry import Job
from mailcore.store.request import IngestRequest, IngestResult, IngestSource

log = logging.getLogger(__name__)

TOPIC = "dmarc.report"
SOURCES = {IngestSource.SMTP_INBOUND, IngestSource.DSN}  # some reporters use MAIL FROM:<>


def report_jobs(request: IngestRequest, result: IngestResult) -> list[Job]:
    """The job of a stored mail that looks like an aggregate report: an attachment of a
    report's type, and the subject RFC 7489 asks for or a ``dmarc@`` recipient."""
    if request.source not in SOURCES:
        return []
    parsed = result.parsed
    if not any(looks_like_report(a.content_type, a.filename) for a in parsed.attachments):
        return []
    to_dmarc = any(a.address.lower().startswith("dmarc@") for a in [*parsed.to, *parsed.cc])
    if not to_dmarc and "report domain:" not in parsed.subject.lower():
        return []
    members = sorted({e.member_id for e in result.entries if e.role is not FolderRole.SENT})
    if not members:
        return []
    return [Job(TOPIC, {"message": result.message_pk, "members": members})]


class Recorder(MessageJobs):
    """The outbox handler of ``TOPIC``."""

    what = "DMARC report"

    async def record(self, message_pk: int, member_ids: list[int]) -> DmarcReport | None:
        """The report stored from this mail, or None (unreadable, not ours, a repeat)."""
        message = await Message.filter(id=message_pk).first()
        if message is None:
            return None  # removed since
        try:
            raw = await self.blobs.get(message.sha256)
            # Off the event loop: a big (or hostile) report must not stall the process.
            report = await asyncio.to_thread(report_from_mail, raw)
        except ReportError as exc:
            log.info("DMARC report in message %s not read: %s", message_pk, exc)
            return None
        domain = await Domain.filter(name=normalize_domain(report.domain)).first()
        if domain is None or not await _reached_admin(domain.enterprise_id, member_ids):
            return None
        return await store(domain.enterprise_id, report, message_pk)


async def store(enterprise_id: int, report: Report, message_pk: int | None) -> DmarcReport | None:
    """Keep a report and its rows in one transaction; None if it was kept already."""
    key = {"enterprise_id": enterprise_id, "org_name": report.org_name}
    if await DmarcReport.filter(**key, report_id=report.report_id).exists():
        return None
    try:
        async with in_transaction():
            row = await DmarcReport.create(
                **key,
                report_id=report.report_id,
                org_email=report.org_email,
                domain=normalize_domain(report.domain),
                date_begin=report.date_begin,
                date_end=report.date_end,
                policy=report.policy,
                message_id=message_pk,
            )
            await DmarcRecord.bulk_create(
                [
                    DmarcRecord(
                        report_id=row.id,
                        source_ip=r.source_ip,
                        count=r.count,
                        disposition=r.disposition,
                        dkim=r.dkim,
                        spf=r.spf,
                        header_from=r.header_from,
                    )
                    for r in report.rows
                ]
            )
    except IntegrityError:  # kept by another worker meanwhile
        return None
    return row


async def _reached_admin(enterprise_id: int, member_ids: list[int]) -> bool:
    """Did the mail reach one of the administrators the enterprise's dmarc@ goes to?"""
    admins = (await administrators({enterprise_id})).get(enterprise_id, [])
    return bool(set(member_ids) & set(admins))
