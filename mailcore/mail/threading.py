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


async def assign_threads(
    member_ids: list[int], parsed: ParsedMessage, when: datetime
) -> dict[int, int]:
    """Each member's thread id for this message: found (and touched) or new.

    Set-based: a few queries whatever the number of recipients (a group of thousands).
    """
    wanted = list(dict.fromkeys(member_ids))
    found: dict[int, int] = {}
    ids = [db_text(i, 998) for i in [*parsed.references, parsed.in_reply_to] if i][-50:]
    lookups: list[dict] = []
    if ids:
        lookups.append({"message__message_id__in": ids})
    if parsed.message_id:
        # A reply that arrived before its parent: adopt the reply's thread.
        lookups.append({"message__in_reply_to": db_text(parsed.message_id, 998)})
    for lookup in lookups:
        missing = [m for m in wanted if m not in found]
        if not missing:
            break
        rows = (
            await MailboxEntry.filter(member_id__in=missing, **lookup)
            .order_by("received_at", "id")
            .values_list("member_id", "thread_id")
        )
        found.update(rows)  # ordered oldest first: the latest entry's thread wins
    key = subject_key(parsed.subject)
    missing = [m for m in wanted if m not in found]
    if missing and key and _looks_like_reply(parsed):
        rows = (
            await Thread.filter(
                member_id__in=missing, subject_key=key, last_date__gte=when - SUBJECT_WINDOW
            )
            .order_by("last_date", "id")
            .values_list("member_id", "id")
        )
        found.update(rows)
    if found:
        await Thread.filter(id__in=set(found.values()), last_date__lt=when).update(last_date=when)
    missing = [m for m in wanted if m not in found]
    if missing:
        subject = db_text(parsed.subject, 5000)
        await Thread.bulk_create(
            [
                Thread(member_id=m, subject_key=key, subject=subject, last_date=when)
                for m in missing
            ],
            batch_size=500,
        )
        # Inside the ingest transaction the new rows are the newest with this key and time.
        rows = (
            await Thread.filter(member_id__in=missing, subject_key=key, last_date=when)
            .order_by("id")
            .values_list("member_id", "id")
        )
        found.update(rows)
    return found
