"""Operator tasks behind ``qiyou search``: rebuild an index, report its state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mailcore.blobs import open_blob_store
from mailcore.config import Settings
from mailcore.models import MailboxEntry, SearchPending
from mailcore.search import open_backend
from mailcore.search.contract import MAIL, SearchUnavailable
from mailcore.search.indexer import Indexer, indexed_upto
from mailcore.search.mail import MailSource

LOCK_TRIES = 20  # a running server may hold the embedded index's writer for a moment


async def reindex(
    settings: Settings, start: Callable[[int], None], progress: Callable[[int], None]
) -> int:
    """Empty the mail index and index every mailbox entry again; answer how many."""
    backend = open_backend(settings.search_url, settings.data_dir)
    await backend.open()
    indexer = Indexer(backend, [MailSource(open_blob_store(str(settings.blob_dir)))])
    start(await MailboxEntry.all().count())
    try:
        for attempt in range(LOCK_TRIES):
            try:
                return await indexer.rebuild(MAIL, progress)
            except SearchUnavailable:
                if attempt == LOCK_TRIES - 1:
                    raise
                await asyncio.sleep(0.5)
        return 0
    finally:
        await backend.close()


async def status(settings: Settings) -> dict[str, object]:
    return {
        "backend": settings.search_url,
        "entries": await MailboxEntry.all().count(),
        "indexed_upto": await indexed_upto(MAIL),
        "entries_to_index": await MailboxEntry.filter(id__gt=await indexed_upto(MAIL)).count(),
        "pending_changes": await SearchPending.filter(space=MAIL).count(),
    }
