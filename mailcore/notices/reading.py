"""Notices as members read them: their receipts, newest first, read flags and unread count."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from mailcore.core.models import Notice, NoticeReceipt
from mailcore.notices.errors import NoticeError, NoticeErrorCode

DEFAULT_PAGE = 20
MAX_PAGE = 100


@dataclass(frozen=True)
class ReadNotice:
    notice: Notice  # with its author loaded
    read_at: datetime | None


@dataclass
class NoticePage:
    items: list[ReadNotice]
    has_next: bool
    end_cursor: str | None


def encode_cursor(notice_id: int) -> str:
    return base64.urlsafe_b64encode(f"notice|{notice_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        kind, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        if kind != "notice":
            raise ValueError(kind)
        return int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise NoticeError(NoticeErrorCode.INVALID, "not a valid cursor", "after") from exc


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 1 <= first <= MAX_PAGE:
        raise NoticeError(
            NoticeErrorCode.INVALID, f"first must be between 1 and {MAX_PAGE}", "first"
        )
    return first


async def list_notices(
    member_id: int, first: int | None = None, after: str | None = None, unread_only: bool = False
) -> NoticePage:
    size = page_size(first)
    query = NoticeReceipt.filter(member_id=member_id)
    if unread_only:
        query = query.filter(read_at__isnull=True)
    before = decode_cursor(after)
    if before is not None:
        query = query.filter(notice_id__lt=before)
    rows = await query.order_by("-notice_id").limit(size + 1).select_related("notice__author")
    items = [ReadNotice(r.notice, r.read_at) for r in rows[:size]]
    end = encode_cursor(items[-1].notice.id) if items else None
    return NoticePage(items=items, has_next=len(rows) > size, end_cursor=end)


async def get_notice(member_id: int, notice_id: int) -> ReadNotice:
    receipt = (
        await NoticeReceipt.filter(member_id=member_id, notice_id=notice_id)
        .select_related("notice__author")
        .first()
    )
    if receipt is None:
        raise NoticeError(NoticeErrorCode.NOT_FOUND, "no such notice", "id")
    return ReadNotice(receipt.notice, receipt.read_at)


async def mark_read(member_id: int, notice_id: int, read: bool = True) -> ReadNotice:
    current = await get_notice(member_id, notice_id)
    if read == (current.read_at is not None):
        return current
    read_at = datetime.now(UTC) if read else None
    await NoticeReceipt.filter(member_id=member_id, notice_id=notice_id).update(read_at=read_at)
    return ReadNotice(current.notice, read_at)


async def mark_all_read(member_id: int) -> int:
    return await NoticeReceipt.filter(member_id=member_id, read_at__isnull=True).update(
        read_at=datetime.now(UTC)
    )


async def unread_count(member_id: int) -> int:
    return await NoticeReceipt.filter(member_id=member_id, read_at__isnull=True).count()
