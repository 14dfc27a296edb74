"""Smart mass mail (U12): one copy per recipient, each addressed only to them.

``start`` stores the sender's single Sent copy and, in the same commit, a durable job with
one row per recipient. The copies are then built (``mailcore.core.mime.build``) and ingested
one by one through the one ingest path — locally delivered or queued in ``OutboundMessage``
— each recipient row updated in its copy's own commit, so a restart resumes exactly where it
stopped (no copy lost, none doubled). Small sends run inline; large ones in the background
worker, with progress read through ``progress``. A job is made by one process at a time: its
maker holds a database lock on it (``mass-mail-<id>``), which ends with the process, so the
worker of another process resumes a job whose maker died.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count

from mailcore.core.blobs import BlobStore
from mailcore.core.locks import singleton
from mailcore.core.mime.build import OutgoingAttachment, build_message
from mailcore.core.mime.types import Address
from mailcore.core.models import (
    CopyStatus,
    FolderRole,
    MassMailJob,
    MassMailRecipient,
    MassMailStatus,
    Member,
)
from mailcore.mail.routing import Routes, local_recipients, route
from mailcore.org.addresses import normalize_address
from mailcore.store.errors import MailError, MailErrorCode
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestResult, IngestSource

log = logging.getLogger(__name__)

CONCURRENCY = 16  # copies in flight at once: the ingest commits them in groups
_worker: MassMailWorker | None = None


@dataclass
class CopyForm:
    """What every copy shares; attachments are kept in the blob store by key."""

    subject: str
    text: str | None
    html: str | None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # e.g. Disposition-Notification-To

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "in_reply_to": self.in_reply_to,
            "references": self.references,
            "attachments": self.attachments,
            "headers": self.headers,
        }


async def store_attachments(blobs: BlobStore, attachments: list[OutgoingAttachment]) -> list[dict]:
    return [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "content_id": a.content_id,
            "blob": await blobs.put(a.data),
        }
        for a in attachments
    ]


async def start(
    ingestor: Ingestor,
    member: Member,
    sent_raw: bytes,
    form: CopyForm,
    recipients: list[str],
    *,
    origin: int | None = None,
    inline: bool = False,
) -> tuple[MassMailJob, IngestResult]:
    """Store the Sent copy and the job (one commit); the copies are made by ``run`` —
    ``inline``: by the caller right away (the job is stored running, no worker takes it)."""
    job_box: list[MassMailJob] = []

    async def create_job(result: IngestResult) -> None:
        sent = next((e.entry_id for e in result.entries if e.member_id == member.id), None)
        job = await MassMailJob.create(
            member_id=member.id,
            sent_entry_id=sent,
            form=form.as_json(),
            total=len(recipients),
            status=MassMailStatus.RUNNING if inline else MassMailStatus.QUEUED,
        )
        await MassMailRecipient.bulk_create(
            [MassMailRecipient(job_id=job.id, address=a) for a in recipients], batch_size=500
        )
        job_box.append(job)

    result = await ingestor.ingest(
        IngestRequest(
            raw=sent_raw,
            source=IngestSource.COMPOSE,
            envelope_from=member.email,
            deliveries=[Delivery(member_id=member.id, role=FolderRole.SENT, seen=True)],
            sender_member_id=member.id,
            origin_session=origin,
            on_commit=[create_job],
        )
    )
    if not job_box:
        raise MailError(MailErrorCode.QUOTA_EXCEEDED, "your mailbox is full", None)
    return job_box[0], result


def wake(job_id: int, ingestor: Ingestor, blobs: BlobStore) -> None:
    """Hand a job to the background worker (or a task of its own without one)."""
    if _worker is not None:
        _worker.take(job_id)
    else:
        task = asyncio.create_task(run(ingestor, blobs, job_id))
        _orphans.add(task)
        task.add_done_callback(_orphans.discard)


_orphans: set[asyncio.Task[None]] = set()


class CopyAlreadyMade(Exception):
    """Raised inside a copy's commit when its recipient row is no longer pending."""


def _mark(recipient_id: int):
    async def mark(result: IngestResult) -> None:
        if result.entries:
            status, error = CopyStatus.DELIVERED, ""
        elif result.queued:
            status, error = CopyStatus.QUEUED, ""
        elif result.over_quota:
            status, error = CopyStatus.FAILED, "the recipient's mailbox is full"
        else:
            status, error = CopyStatus.FAILED, "no mailbox took the copy"
        changed = await MassMailRecipient.filter(id=recipient_id, status=CopyStatus.PENDING).update(
            status=status, error=error, message_pk=result.message_pk
        )
        if not changed:  # another process made this copy meanwhile: roll this one back
            raise CopyAlreadyMade(recipient_id)

    return mark


async def _copy(
    ingestor: Ingestor,
    member: Member,
    form: dict[str, Any],
    attachments: list[OutgoingAttachment],
    recipient: MassMailRecipient,
    routes: Routes,
) -> None:
    """One copy; ``routes`` classified the whole batch (a few queries for 500 addresses)."""
    from mailcore.store.request import PolicyRefusal

    address = normalize_address(recipient.address)
    local: list[int] = []
    external: list[str] = []
    if address in routes.local:
        local = [routes.local[address]]
    elif address in routes.groups:
        local = await local_recipients(Routes(groups={address: routes.groups[address]}))
    elif address in routes.external:
        external = [address]
    else:
        await _fail(recipient.id, f"no such mailbox: {recipient.address}")
        return
    raw, _ = build_message(
        from_=Address(name=member.name, address=member.email),
        to=[Address(name="", address=recipient.address)],
        cc=[],
        subject=form["subject"],
        text=form["text"],
        html=form["html"],
        attachments=attachments,
        in_reply_to=form.get("in_reply_to"),
        references=form.get("references") or [],
        extra_headers=form.get("headers") or None,
        domain=member.email.rpartition("@")[2],
    )
    try:
        await ingestor.ingest(
            IngestRequest(
                raw=raw,
                source=IngestSource.COMPOSE,
                envelope_from=member.email,
                deliveries=[Delivery(member_id=m) for m in local],
                outbound=external,
                sender_member_id=member.id,
                on_commit=[_mark(recipient.id)],
            )
        )
    except PolicyRefusal as refusal:
        await _fail(recipient.id, refusal.message)
    except CopyAlreadyMade:
        log.info("mass mail copy to %s was made by another process", recipient.address)


async def _fail(recipient_id: int, error: str) -> None:
    await MassMailRecipient.filter(id=recipient_id, status=CopyStatus.PENDING).update(
        status=CopyStatus.FAILED, error=error[:1000]
    )


async def run(ingestor: Ingestor, blobs: BlobStore, job_id: int) -> None:
    """Make every pending copy of the job, then mark it done (unless another process is
    making them: then it returns at once)."""
    async with singleton(f"mass-mail-{job_id}", dedicated=True) as held:
        if held:
            await _run(ingestor, blobs, job_id)


async def _run(ingestor: Ingestor, blobs: BlobStore, job_id: int) -> None:
    job = await MassMailJob.filter(id=job_id).first()
    if job is None or job.status is MassMailStatus.DONE:
        return
    member = await Member.get(id=job.member_id)
    await MassMailJob.filter(id=job_id).update(status=MassMailStatus.RUNNING)
    form = job.form
    attachments = [
        OutgoingAttachment(
            a["filename"], a["content_type"], await blobs.get(a["blob"]), a.get("content_id")
        )
        for a in form.get("attachments") or []
    ]
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(recipient: MassMailRecipient, routes: Routes) -> None:
        async with limit:
            try:
                await _copy(ingestor, member, form, attachments, recipient, routes)
            except Exception as exc:  # noqa: BLE001 - recorded on the recipient, job goes on
                log.exception("mass mail copy to %s failed", recipient.address)
                await _fail(recipient.id, f"temporary failure: {type(exc).__name__}")

    while True:
        pending = (
            await MassMailRecipient.filter(job_id=job_id, status=CopyStatus.PENDING)
            .order_by("id")
            .limit(500)
        )
        if not pending:
            break
        routes = await route([r.address for r in pending])
        await asyncio.gather(*(one(r, routes) for r in pending))
    await MassMailJob.filter(id=job_id).update(
        status=MassMailStatus.DONE, finished_at=datetime.now(UTC)
    )


@dataclass
class Progress:
    job: MassMailJob
    counts: dict[CopyStatus, int]

    @property
    def processed(self) -> int:
        return sum(n for s, n in self.counts.items() if s is not CopyStatus.PENDING)


async def progress(member_id: int, job_id: int) -> Progress:
    job = await MassMailJob.filter(id=job_id, member_id=member_id).first()
    if job is None:
        raise MailError(MailErrorCode.NOT_FOUND, "no such mass mail job", "id")
    return (await _progress([job]))[job.id]


async def _progress(jobs: list[MassMailJob]) -> dict[int, Progress]:
    """Each job's copies counted by status, in one query (job id → progress)."""
    found = {job.id: Progress(job, dict.fromkeys(CopyStatus, 0)) for job in jobs}
    if found:
        rows = (
            await MassMailRecipient.filter(job_id__in=list(found))
            .group_by("job_id", "status")
            .annotate(n=Count("id"))
            .values_list("job_id", "status", "n")
        )
        for job_id, status, n in rows:
            found[job_id].counts[CopyStatus(status)] += n
    return found


async def job_for_sent(member_id: int, entry_id: int) -> MassMailJob | None:
    return await MassMailJob.filter(member_id=member_id, sent_entry_id=entry_id).first()


async def progress_for_sent(member_id: int, entry_ids: list[int]) -> dict[int, Progress]:
    """The progress of the member's jobs made from these Sent entries, in two queries
    (entry id → progress; entries that started no job are left out)."""
    if not entry_ids:
        return {}
    jobs: dict[int, MassMailJob] = {}
    rows = MassMailJob.filter(member_id=member_id, sent_entry_id__in=set(entry_ids))
    for job in await rows.order_by("-id"):  # one job per entry; the first made if ever two
        jobs[job.sent_entry_id] = job
    counted = await _progress(list(jobs.values()))
    return {entry_id: counted[job.id] for entry_id, job in jobs.items()}


async def recipients(
    member_id: int, job_id: int, *, status: CopyStatus | None, first: int, offset: int
) -> list[MassMailRecipient]:
    query = MassMailRecipient.filter(job_id=job_id, job__member_id=member_id)
    if status is not None:
        query = query.filter(status=status)
    return await query.order_by("id").offset(max(0, offset)).limit(max(1, min(first, 500)))


class MassMailWorker:
    """Runs jobs one at a time in the background: those handed to it, those left unfinished
    at start (resumed), and, found every ``POLL`` s, queued ones another process stored and
    running ones whose maker died (``run`` skips a job another process is making)."""

    POLL = 5.0
    RESUME_AFTER = 30.0  # seconds: a running job this old is not one starting inline now

    def __init__(self, ingestor: Ingestor, blobs: BlobStore) -> None:
        self.ingestor, self.blobs = ingestor, blobs
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self._known: set[int] = set()
        self._task: asyncio.Task[None] | None = None

    def take(self, job_id: int) -> None:
        if job_id not in self._known:
            self._known.add(job_id)
            self.queue.put_nowait(job_id)

    async def start(self) -> None:
        global _worker
        _worker = self
        for job_id in await MassMailJob.filter(
            status__in=[MassMailStatus.QUEUED, MassMailStatus.RUNNING]
        ).values_list("id", flat=True):
            self.take(job_id)
        self._task = asyncio.create_task(self._run(), name="qiyou-mass-mail")

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
                job_id = await asyncio.wait_for(self.queue.get(), self.POLL)
            except TimeoutError:
                await self._poll()
                continue
            try:
                await run(self.ingestor, self.blobs, job_id)
            except Exception:  # noqa: BLE001 - the job stays unfinished: resumed at restart
                log.exception("mass mail job %s failed", job_id)
            finally:
                self._known.discard(job_id)

    async def _poll(self) -> None:
        started_before = datetime.now(UTC) - timedelta(seconds=self.RESUME_AFTER)
        try:
            queued = await MassMailJob.filter(
                Q(status=MassMailStatus.QUEUED)
                | Q(status=MassMailStatus.RUNNING, created_at__lt=started_before)
            ).values_list("id", flat=True)
        except Exception:  # noqa: BLE001 - the database may be briefly away: next poll
            log.exception("looking for queued mass mail jobs failed")
            return
        for job_id in queued:
            self.take(job_id)
