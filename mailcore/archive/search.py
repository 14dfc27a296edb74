"""Searching the archive, behind one function (``search``).

SQL over the archive rows: sender, recipients, subject, attachment names and the body text
stored with each record (case-insensitive substring match, which also serves Chinese text),
limited to the auditor's scope — records with a party (sender or recipient) who is now a
member of one of the auditor's departments, archived within the auditor's date range.
Newest first, keyset pagination by record id. The embedded tantivy index (``mailcore/search``)
can replace the text conditions later without changing this function's contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from mailcore.archive.auditors import AuditorView
from mailcore.models import ArchiveParty, ArchiveRecord, DepartmentMember

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
    has_next: bool = False
    end_cursor: str | None = None


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


async def search(
    view: AuditorView, q: ArchiveQuery, first: int = 20, after: str | None = None
) -> ArchivePage:
    query = in_scope(view)
    if sender := _text(q.sender):
        query = query.filter(
            Q(from_address__icontains=sender)
            | Q(envelope_from__icontains=sender)
            | Q(from_name__icontains=sender)
        )
    if recipient := _text(q.recipient):
        query = query.filter(recipients_text__icontains=recipient.lower())
    if subject := _text(q.subject):
        query = query.filter(subject__icontains=subject)
    if body := _text(q.body):
        query = query.filter(body_text__icontains=body)
    if attachment := _text(q.attachment):
        query = query.filter(attachments_text__icontains=attachment)
    if text := _text(q.text):
        query = query.filter(
            Q(from_address__icontains=text)
            | Q(from_name__icontains=text)
            | Q(recipients_text__icontains=text.lower())
            | Q(subject__icontains=text)
            | Q(body_text__icontains=text)
            | Q(attachments_text__icontains=text)
        )
    if q.date_from is not None:
        query = query.filter(archived_at__gte=q.date_from)
    if q.date_to is not None:
        query = query.filter(archived_at__lte=q.date_to)
    if after:
        try:
            query = query.filter(id__lt=int(after))
        except ValueError:
            return ArchivePage()
    size = max(1, min(first, MAX_PAGE))
    rows = list(await query.order_by("-id").limit(size + 1))
    page = rows[:size]
    return ArchivePage(
        items=page,
        has_next=len(rows) > size,
        end_cursor=str(page[-1].id) if page else None,
    )


async def get_record(view: AuditorView, record_id: int) -> ArchiveRecord | None:
    return await in_scope(view).filter(id=record_id).first()
