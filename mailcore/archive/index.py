"""The ``archive`` search space: one document per archive record, owned by its enterprise.

The indexer (``mailcore/search/indexer.py``) reads records above its high-water mark from
here. A document carries the record's text as captured (subject, sender, envelope
recipients, body text, attachment names) and one label per member who is a party of it
(``m<member id>``): an auditor's search asks for the labels of the members now in their
departments, so moving a member between departments needs no re-indexing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from mailcore.core.models import ArchiveParty, ArchiveRecord
from mailcore.search.contract import ARCHIVE, SearchDoc


def member_label(member_id: int) -> str:
    return f"m{member_id}"


@dataclass
class Archived:
    record: ArchiveRecord
    labels: list[str]


class ArchiveSource:
    """Where the indexer reads ``archive`` documents from: archive records and their parties."""

    space = ARCHIVE

    async def ids_after(self, upto: int, limit: int) -> list[int]:
        return list(
            await ArchiveRecord.filter(id__gt=upto)
            .order_by("id")
            .limit(limit)
            .values_list("id", flat=True)
        )

    async def entries(self, ids: list[int]) -> dict[int, Archived]:
        records = await ArchiveRecord.filter(id__in=ids)
        parties: dict[int, set[int]] = defaultdict(set)
        for record_id, member_id in await ArchiveParty.filter(
            record_id__in=[r.id for r in records]
        ).values_list("record_id", "member_id"):
            parties[record_id].add(member_id)
        return {r.id: Archived(r, sorted(member_label(m) for m in parties[r.id])) for r in records}

    def mutable(self, entry: Archived) -> dict[str, object]:
        return {"labels": entry.labels}

    async def documents(self, entries: list[Archived]) -> tuple[list[SearchDoc], list[int]]:
        return [document(e.record, e.labels) for e in entries], []  # nothing to read: no blob


def document(record: ArchiveRecord, labels: list[str]) -> SearchDoc:
    sender = " ".join(
        dict.fromkeys(p for p in (record.from_name, record.from_address, record.envelope_from) if p)
    )
    names = list(record.attachment_names or [])
    return SearchDoc(
        id=record.id,
        owner=record.enterprise_id,
        date=record.archived_at,
        subject=record.subject,
        sender=sender,
        recipients="\n".join(record.recipients or []),
        body=record.body_text,
        attachments="\n".join(names),
        has_attachment=bool(names),
        labels=labels,
    )
