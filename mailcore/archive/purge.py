"""Retention: archive records older than their enterprise's retention period are removed.

Run by ``qiyou archive purge`` and periodically by the policy jobs of ``qiyou serve``; the
removed records are queued for removal from the search index in the same transaction. The
blob files stay (nothing deletes blobs; a future blob collector must keep every sha256 that
an ``archive_record`` or a ``message`` row still references).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from mailcore.core.models import ArchiveParty, ArchiveRecord, ArchiveSettings
from mailcore.search.contract import ARCHIVE
from mailcore.search.indexer import record_changes

BATCH = 500


async def purge_expired(now: datetime | None = None) -> int:
    """Delete expired archive records of every enterprise; return how many went."""
    now = now or datetime.now(UTC)
    removed = 0
    for enterprise_id, days in await ArchiveSettings.all().values_list(
        "enterprise_id", "retention_days"
    ):
        expired = ArchiveRecord.filter(
            enterprise_id=enterprise_id, archived_at__lt=now - timedelta(days=days)
        )
        while ids := list(await expired.limit(BATCH).values_list("id", flat=True)):
            async with in_transaction():
                await ArchiveParty.filter(record_id__in=ids).delete()
                removed += await ArchiveRecord.filter(id__in=ids).delete()
                await record_changes(ARCHIVE, ids)  # the indexer drops them from the index
    return removed
