"""Posting a notice: check who may post where, store the notice and one receipt per recipient
in one transaction, then publish ONE event on the enterprise channel.

The receipts are written by the database itself (``audience.store_receipts``: one
``INSERT ... SELECT`` from the members), so 100,000 recipients cost one statement, not
100,000 rows built in Python and sent over. Live subscribers filter the one event
themselves (see ``audience.is_meant_for``): one publish whatever the audience.
With ``by_mail`` the notice also goes out as one mail (one blob, one ingest call with a
delivery per receipt) after the notice is stored; that runs in the background.
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core import events
from mailcore.core.events import Bus
from mailcore.core.mime.build import build_message
from mailcore.core.mime.display import display_html
from mailcore.core.mime.types import Address
from mailcore.core.models import (
    AdminPermission,
    Department,
    Enterprise,
    Member,
    Notice,
    NoticeReceipt,
)
from mailcore.core.sqlwork import run
from mailcore.notices.audience import audience, store_receipts
from mailcore.notices.errors import NoticeError, NoticeErrorCode
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestSource

log = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_BODY = 100 * 1024  # bytes of UTF-8
MAX_DEPARTMENTS = 200
_mailing: set[asyncio.Task[None]] = set()  # by-mail deliveries in flight


@dataclass
class NoticeDraft:
    title: str
    body: str
    html: bool = False  # the body is HTML (sanitized) rather than plain text
    department_ids: list[int] = field(default_factory=list)  # empty: the whole company
    by_mail: bool = False


def _invalid(message: str, field_name: str) -> NoticeError:
    return NoticeError(NoticeErrorCode.INVALID, message, field_name)


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, line breaks kept."""
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>\n")


async def _clean(draft: NoticeDraft) -> tuple[str, str, list[int]]:
    title = " ".join(draft.title.split())
    if not 1 <= len(title) <= MAX_TITLE:
        raise _invalid(f"the title needs 1 to {MAX_TITLE} characters", "title")
    if len(draft.body.encode("utf-8", "replace")) > MAX_BODY:
        raise _invalid(f"the body is limited to {MAX_BODY // 1024} KB", "body")
    body = await display_html(draft.body) if draft.html else text_to_html(draft.body)
    departments = list(dict.fromkeys(draft.department_ids))
    if len(departments) > MAX_DEPARTMENTS:
        raise _invalid(f"at most {MAX_DEPARTMENTS} departments", "departmentIds")
    return title, body, departments


async def may_post(scope: AdminScope | None, author: Member, departments: list[int]) -> bool:
    """Admins with ``notices`` (scoped ones: to departments of their scope only); any member
    when the enterprise lets members post notices."""
    if scope is not None and scope.may(AdminPermission.NOTICES):
        if scope.is_super or (departments and all(scope.covers_department(d) for d in departments)):
            return True
    enterprise = await Enterprise.get(id=author.enterprise_id)
    return enterprise.members_post_notices


async def post_notice(
    scope: AdminScope | None,
    author: Member,
    draft: NoticeDraft,
    *,
    bus: Bus,
    ingestor: Ingestor | None = None,
) -> Notice:
    """Store the notice and its receipts (returns after the commit), then push it on ``bus``."""
    title, body, departments = await _clean(draft)
    found = await Department.filter(id__in=departments, enterprise_id=author.enterprise_id).count()
    if found != len(departments):
        raise NoticeError(NoticeErrorCode.NOT_FOUND, "no such department", "departmentIds")
    as_admin = scope is not None and scope.may(AdminPermission.NOTICES)
    if not await may_post(scope, author, departments):
        raise NoticeError(
            NoticeErrorCode.FORBIDDEN,
            "you may not post notices there" if as_admin else "you may not post notices",
            "departmentIds" if as_admin else None,
        )
    targets = await audience(author.enterprise_id, departments)
    async with in_transaction() as connection:
        notice = await Notice.create(
            enterprise_id=author.enterprise_id,
            author_id=author.id,
            title=title,
            body=body,
            department_ids=departments,
            by_mail=draft.by_mail,
            recipients=0,
        )
        stored = await run(store_receipts(notice.id, author.enterprise_id, targets), connection)
        await Notice.filter(id=notice.id).using_db(connection).update(recipients=stored)
        notice.recipients = stored
        if scope is not None and as_admin:
            await record(
                scope,
                "notice.post",
                title,
                notice_id=notice.id,
                department_ids=departments,
                recipients=stored,
            )
    await bus.publish_enterprise(
        author.enterprise_id,
        events.NOTICE_POSTED,
        id=str(notice.id),
        title=title,
        author_name=author.name,
        author_address=author.email,
        created_at=notice.created_at.isoformat(),
        departments=departments or None,
    )
    if draft.by_mail and ingestor is not None and stored:
        task = asyncio.create_task(_mail(ingestor, notice, author))
        _mailing.add(task)
        task.add_done_callback(_mailing.discard)
    return notice


async def _mail(ingestor: Ingestor, notice: Notice, author: Member) -> None:
    """The notice as one mail to every recipient (one blob, one ingest)."""
    try:
        member_ids = (
            await NoticeReceipt.filter(notice_id=notice.id)
            .order_by("member_id")
            .values_list("member_id", flat=True)
        )
        sender = Address(name=author.name, address=author.email)
        raw, _ = build_message(
            from_=sender,
            to=[sender],
            cc=[],
            subject=notice.title,
            text=None,
            html=notice.body,
            extra_headers={"X-Qiyou-Notice": str(notice.id)},
            domain=author.email.rpartition("@")[2],
        )
        await ingestor.ingest(
            IngestRequest(
                raw=raw,
                source=IngestSource.SYSTEM,
                envelope_from=author.email,
                deliveries=[Delivery(member_id=m) for m in member_ids],
                sender_member_id=author.id,
            )
        )
    except Exception:
        log.exception("mailing notice %s failed", notice.id)
