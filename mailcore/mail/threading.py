"""Conversation threading per mailbox: Message-ID / In-Reply-To / References, subject fallback."""

from __future__ import annotations

from datetime import datetime, timedelta

from mailcore.db import db_text
from mailcore.mime.subject import normalize_subject
from mailcore.mime.types import ParsedMessage
from mailcore.models import MailboxEntry, Thread

SUBJECT_WINDOW = timedelta(days=30)
MAX_KEY = 500


def subject_key(subject: str) -> str:
    return db_text(normalize_subject(subject), MAX_KEY)


def _looks_like_reply(parsed: ParsedMessage) -> bool:
    """A reply/forward prefix or reference headers: the subject fallback may join a thread."""
    stripped = " ".join(parsed.subject.split()).casefold()
    return bool(parsed.in_reply_to or parsed.references) or subject_key(parsed.subject) != stripped


async def assign_thread(member_id: int, parsed: ParsedMessage, when: datetime) -> Thread:
    """Find (and touch) the member's thread for this message, or start a new one."""
    thread = await _by_references(member_id, parsed)
    key = subject_key(parsed.subject)
    if thread is None and key and _looks_like_reply(parsed):
        thread = (
            await Thread.filter(
                member_id=member_id, subject_key=key, last_date__gte=when - SUBJECT_WINDOW
            )
            .order_by("-last_date")
            .first()
        )
    if thread is None:
        return await Thread.create(
            member_id=member_id,
            subject_key=key,
            subject=db_text(parsed.subject, 5000),
            last_date=when,
        )
    if when > thread.last_date:
        thread.last_date = when
        await thread.save(update_fields=["last_date"])
    return thread


async def _by_references(member_id: int, parsed: ParsedMessage) -> Thread | None:
    ids = [db_text(i, 998) for i in [*parsed.references, parsed.in_reply_to] if i][-50:]
    lookups = []
    if ids:
        lookups.append({"message__message_id__in": ids})
    if parsed.message_id:
        # A reply that arrived before its parent: adopt the reply's thread.
        lookups.append({"message__in_reply_to": db_text(parsed.message_id, 998)})
    for lookup in lookups:
        entry = (
            await MailboxEntry.filter(member_id=member_id, **lookup)
            .order_by("-received_at")
            .select_related("thread")
            .first()
        )
        if entry is not None:
            return entry.thread
    return None
