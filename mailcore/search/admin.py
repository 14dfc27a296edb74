"""Operator tasks behind ``qiyou search``: rebuild an index, report its state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tortoise.models import Model

from mailcore.core.blobs import open_blob_store
from mailcore.core.config import Settings
from mailcore.core.models import ArchiveRecord, MailboxEntry, SearchPending
from mailcore.search import open_backend, sources
from mailcore.search.contract import ARCHIVE, MAIL, SPACES, SearchUnavailable
from mailcore.search.indexer import Indexer, indexed_upto

LOCK_TRIES = 20  # a running server may hold the embedded index's writer for a moment
ROWS: dict[str, type[Model]] = {MAIL: MailboxEntry, ARCHIVE: ArchiveRecord}


async def reindex(
    settings: Settings,
    start: Callable[[int], None],
    progress: Callable[[int], None],
    spaces: tuple[str, ...] = SPACES,
) -> int:
    """Empty the spaces' indexes and index every mailbox entry / archive record again;
    answer how many documents."""
    backend = open_backend(settings.search_url, settings.data_dir)
    await backend.open()
    wanted = [s for s in sources(open_blob_store(str(settings.blob_dir))) if s.space in spaces]
    start(sum([await ROWS[s.space].all().count() for s in wanted]))
    done = 0
    try:
        for source in wanted:
            indexer = Indexer(backend, [source])
            for attempt in range(LOCK_TRIES):
                try:
                    done += await indexer.rebuild(source.space, progress)
                    break
                except SearchUnavailable:
                    if attempt == LOCK_TRIES - 1:
                        raise
                    await asyncio.sleep(0.5)
        return done
    finally:
        await backend.close()


async def status(settings: Settings) -> dict[str, object]:
    mail_upto = await indexed_upto(MAIL)
    archive_upto = await indexed_upto(ARCHIVE)
    return {
        "backend": settings.search_url,
        "entries": await MailboxEntry.all().count(),
        "indexed_upto": mail_upto,
        "entries_to_index": await MailboxEntry.filter(id__gt=mail_upto).count(),
        "pending_changes": await SearchPending.filter(space=MAIL).count(),
        "archive_records": await ArchiveRecord.all().count(),
        "archive_indexed_upto": archive_upto,
        "archive_records_to_index": await ArchiveRecord.filter(id__gt=archive_upto).count(),
        "archive_pending_changes": await SearchPending.filter(space=ARCHIVE).count(),
    }
