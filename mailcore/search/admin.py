"""Operator tasks behind ``qiyou search``: rebuild an index, report its state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tortoise.models import Model

from mailcore.core.blobs import open_blob_store
from mailcore.core.config import Settings
from mailcore.core.models import ArchiveRecord, MailboxEntry, OutboxJob, SearchFeed
from mailcore.search import open_backend, sources
from mailcore.search.contract import ARCHIVE, MAIL, SPACES, SearchUnavailable
from mailcore.search.indexer import Indexer, backfill, feed_mark, node_state, topic

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
    wanted = [s for s in sources(open_blob_store(settings.blob_location)) if s.space in spaces]
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
    """This node's index: documents, backfill progress, feed entries and outbox jobs
    waiting, per space."""
    backend = open_backend(settings.search_url, settings.data_dir)
    node = backend.node_id()
    found: dict[str, object] = {"backend": settings.search_url, "node": node}
    head = await feed_mark("head")
    for space, rows in ROWS.items():
        upto, until = await backfill(node, space)
        to_do = rows.filter(id__gt=upto)
        if until < 2**31:  # else: to the end (the ids are 32-bit on PostgreSQL)
            to_do = to_do.filter(id__lte=until)
        found[f"{space}_documents"] = await rows.all().count()
        found[f"{space}_backfill_upto"] = upto
        found[f"{space}_backfill_to_do"] = await to_do.count() if until > upto else 0
        found[f"{space}_jobs_waiting"] = await OutboxJob.filter(topic=topic(space)).count()
        if not backend.shared:
            state = await node_state(node, space)
            cursor = state.feed_seq if state else 0
            found[f"{space}_feed_waiting"] = await SearchFeed.filter(
                space=space, seq__gt=cursor
            ).count()
    found["feed_head"] = head
    return found
