"""Blob garbage collection: blobs no row references any more go to the trash, then away.

One pass (``collect``), under the database lock ``blob-gc`` so one process runs it at a time:

1. Blobs last written or touched before ``now - grace`` that no row references are moved to
   the trash (``BlobStore.trash`` checks their age again just before moving).
2. Trash entries older than ``trash_grace`` are checked again: still unreferenced ones are
   deleted, referenced ones moved back.

Why this is safe against mail ingested meanwhile without slowing ingest down: ``put``
always rewrites or touches a blob, so a blob that a new row is about to reference is young
and skipped; if the row commits between this pass's database check and its move, the reader
of the key finds it in the trash and moves it back; and nothing leaves the trash while a row
references it. The rows that hold blob keys are listed in ``referenced``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from mailcore.core.blobs import BlobStore
from mailcore.core.locks import singleton
from mailcore.core.models import (
    ArchiveRecord,
    CalendarAttachment,
    HeldMail,
    LoginBranding,
    MassMailJob,
    Message,
    NetdiskPart,
)

log = logging.getLogger(__name__)
LOCK = "blob-gc"


@dataclass
class Report:
    held: bool = True  # False: another process holds the lock; nothing was done
    checked: int = 0  # old blobs looked at
    trashed: int = 0  # moved to the trash (or would be, on a dry run)
    purged: int = 0  # trash entries deleted
    restored: int = 0  # trash entries moved back because a row references them

    def line(self) -> str:
        if not self.held:
            return "blob gc: another process is collecting; nothing done"
        return (
            f"blob gc: {self.checked} old blobs checked, {self.trashed} to trash, "
            f"{self.purged} purged from trash, {self.restored} restored"
        )


async def referenced(keys: list[str]) -> set[str]:
    """The keys among ``keys`` that some row holds: a message (mailbox mail, outbound
    queue, confidential notices), a held mail, an archive record, a calendar event's
    attachment, a login branding image, a mass mail job's attachments, a part of a netdisk
    file version or of an unfinished upload."""
    wanted = set(keys)
    found: set[str] = set()
    for model in (Message, HeldMail, ArchiveRecord, CalendarAttachment, NetdiskPart):
        rows = await model.filter(sha256__in=list(wanted - found)).values_list("sha256", flat=True)
        found.update(rows)
        if found == wanted:
            return found
    for logo, background in await LoginBranding.all().values_list("logo_url", "background_url"):
        found.update(_url_key(url) for url in (logo, background) if url)
    for form in await MassMailJob.all().values_list("form", flat=True):
        for attachment in (form or {}).get("attachments") or []:
            found.add(attachment.get("blob", ""))
    return found & wanted


def _url_key(url: str) -> str:
    """The key in a branding image URL (``/branding/<domain>/<kind>?v=<key>``)."""
    values = parse_qs(urlsplit(url).query).get("v", [])
    return values[0] if values else ""


async def collect(
    blobs: BlobStore,
    *,
    grace: float,
    trash_grace: float,
    dry_run: bool = False,
    now: float | None = None,
) -> Report:
    """One pass over the store under the ``blob-gc`` lock (see the module docstring)."""
    async with singleton(LOCK, dedicated=True) as held:
        if not held:
            return Report(held=False)
        return await collect_unlocked(
            blobs, grace=grace, trash_grace=trash_grace, dry_run=dry_run, now=now
        )


async def collect_unlocked(
    blobs: BlobStore,
    *,
    grace: float,
    trash_grace: float,
    dry_run: bool = False,
    now: float | None = None,
) -> Report:
    now = time.time() if now is None else now
    report = Report()
    cutoff = now - grace
    async for batch in blobs.stale(cutoff):
        report.checked += len(batch)
        keep = await referenced(batch)
        for key in batch:
            if key in keep:
                continue
            if dry_run:
                report.trashed += 1
            elif await blobs.trash(key, cutoff):
                report.trashed += 1
    if dry_run:
        return report
    async for batch in blobs.trashed(now - trash_grace):
        keep = await referenced(batch)
        for key in batch:
            if key in keep:
                await blobs.restore(key)
                report.restored += 1
            else:
                await blobs.purge(key)
                report.purged += 1
    return report


class BlobCollector:
    """The worker's periodic pass (every ``interval`` seconds, the first one soon after
    start); whichever worker holds the lock runs it."""

    def __init__(
        self, blobs: BlobStore, *, interval: float, grace: float, trash_grace: float
    ) -> None:
        self.blobs = blobs
        self.interval = interval
        self.grace = grace
        self.trash_grace = trash_grace
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self.interval > 0:
            self._task = asyncio.create_task(self._run(), name="blob-gc")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        await asyncio.sleep(min(60.0, self.interval))
        while True:
            try:
                report = await collect(self.blobs, grace=self.grace, trash_grace=self.trash_grace)
                if report.held and (report.trashed or report.purged or report.restored):
                    log.info("%s", report.line())
            except Exception:  # noqa: BLE001 - the next pass tries again
                log.exception("blob garbage collection failed")
            await asyncio.sleep(self.interval)
