"""Searching the archive, behind one function (``search``).

Through the search contract (``mailcore/search``, space ``archive``, one document per record,
owned by its enterprise; see ``mailcore/archive/index.py``): sender, recipients, subject,
attachment names and text (``text`` anywhere, ``body`` too: the index keeps a record's words
as one text) with the same tokenizing as members' search, so 会议 matches inside 会议室. The
auditor's scope goes into the query: the labels of the members now in their departments and
their date range; every hit is checked against the database again (``in_scope``) before it
is shown. Newest first, offset cursors like members' search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from mailcore import search as index
from mailcore.archive.auditors import AuditorView
from mailcore.archive.errors import PolicyError, PolicyErrorCode
from mailcore.archive.index import member_label
from mailcore.core.models import ArchiveParty, ArchiveRecord, DepartmentMember
from mailcore.search.contract import (
    ARCHIVE,
    MAX_OFFSET,
    SearchQuery,
    SearchUnavailable,
    decode_offset,
    encode_offset,
)

MAX_PAGE = 100


@dataclass
class ArchiveQuery:
    sender: str = ""
    recipient: str = ""
    subject: str = ""
    body: str = ""
    attachment: str = ""
    text: str = ""  # any of the above
    date_from: datetime | None = None
    date_to: datetime | None = None


@dataclass
class ArchivePage:
    items: list[ArchiveRecord] = field(default_factory=list)
    snippets: dict[int, str] = field(default_factory=dict)  # record id -> highlighted match
    has_next: bool = False
    end_cursor: str | None = None
    total: int = 0


def in_scope(view: AuditorView) -> QuerySet[ArchiveRecord]:
    """The records this auditor may see (one query; departments expanded already)."""
    members = DepartmentMember.filter(department_id__in=list(view.department_ids)).values(
        "member_id"
    )
    records = ArchiveParty.filter(member_id__in=Subquery(members)).values("record_id")
    query = ArchiveRecord.filter(enterprise_id=view.enterprise_id, id__in=Subquery(records))
    if view.date_from is not None:
        query = query.filter(archived_at__gte=view.date_from)
    if view.date_to is not None:
        query = query.filter(archived_at__lte=view.date_to)
    return query


def _text(value: str) -> str:
    return value.strip()[:200]


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    a, b = _utc(a), _utc(b)
    return max(a, b) if a and b else a or b


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    a, b = _utc(a), _utc(b)
    return min(a, b) if a and b else a or b


async def scope_labels(view: AuditorView) -> tuple[str, ...]:
    members = await DepartmentMember.filter(
        department_id__in=list(view.department_ids)
    ).values_list("member_id", flat=True)
    return tuple(sorted({member_label(m) for m in members}))


async def search(
    indexer: index.Indexer | None,
    view: AuditorView,
    q: ArchiveQuery,
    first: int = 20,
    after: str | None = None,
) -> ArchivePage:
    """A page of the records in the auditor's scope matching ``q``, through the backend of
    the process's ``indexer`` (``runtime.indexer``; UNAVAILABLE without one)."""
    offset = decode_offset(after)
    if offset is None:
        return ArchivePage()
    size = max(1, min(first, MAX_PAGE))
    until = _earlier(view.date_to, q.date_to)
    query = SearchQuery(
        owner=view.enterprise_id,
        text=" ".join(t for t in (_text(q.text), _text(q.body)) if t),
        sender=_text(q.sender) or None,
        recipient=_text(q.recipient) or None,
        subject=_text(q.subject) or None,
        attachment=_text(q.attachment) or None,
        since=_later(view.date_from, q.date_from),
        until=until + timedelta(microseconds=1) if until else None,  # inclusive
        labels_any=await scope_labels(view),
        limit=size,
        offset=offset,
    )
    try:
        page = await index.backend_of(indexer).search(ARCHIVE, query)
    except SearchUnavailable as exc:
        raise PolicyError(
            PolicyErrorCode.UNAVAILABLE, "archive search is not available right now"
        ) from exc
    wanted = [h.id for h in page.hits]
    rows = {r.id: r for r in await in_scope(view).filter(id__in=wanted)}
    gone = set(wanted) - set(rows)
    if gone:  # deleted records the index still has: let the indexer drop them
        kept = set(await ArchiveRecord.filter(id__in=gone).values_list("id", flat=True))
        await index.documents_changed(indexer, ARCHIVE, sorted(gone - kept))
    next_offset = offset + len(page.hits)
    return ArchivePage(
        items=[rows[i] for i in wanted if i in rows],
        snippets={h.id: h.snippet for h in page.hits},
        has_next=next_offset < min(page.total, MAX_OFFSET),
        end_cursor=encode_offset(next_offset),
        total=page.total,
    )


async def get_record(view: AuditorView, record_id: int) -> ArchiveRecord | None:
    return await in_scope(view).filter(id=record_id).first()
