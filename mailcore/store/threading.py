"""Conversation threading per mailbox: Message-ID / In-Reply-To / References, subject fallback.

Run as part of the ingest group commit's unit of SQL work (``mailcore/core/sqlwork.py``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailcore.core import sqlwork
from mailcore.core.db import db_text
from mailcore.core.mime.subject import normalize_subject
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import Thread
from mailcore.core.sqlwork import Rows, Statement, Work, batches, marks

SUBJECT_WINDOW = timedelta(days=30)
MAX_KEY = 500


def subject_key(subject: str) -> str:
    return db_text(normalize_subject(subject), MAX_KEY)


def _looks_like_reply(parsed: ParsedMessage) -> bool:
    """A reply/forward prefix or reference headers: the subject fallback may join a thread."""
    stripped = " ".join(parsed.subject.split()).casefold()
    return bool(parsed.in_reply_to or parsed.references) or subject_key(parsed.subject) != stripped


@dataclass
class ThreadRequest:
    """One message of a group and the members who get a copy of it."""

    member_ids: list[int]
    parsed: ParsedMessage
    when: datetime


def _refs(parsed: ParsedMessage) -> list[str]:
    return [db_text(i, 998) for i in [*parsed.references, parsed.in_reply_to] if i][-50:]


# Entries of these members whose message has one of these Message-IDs (or answers one).
_BY_MESSAGE = (
    'SELECT "e"."member_id", "m"."{column}", "e"."thread_id" FROM "mailbox_entry" "e"'
    ' JOIN "message" "m" ON "m"."id" = "e"."message_id"'
    ' WHERE "e"."member_id" IN ({members}) AND "m"."{column}" IN ({ids})'
    ' ORDER BY "e"."received_at", "e"."id"'
)
_BY_SUBJECT = (
    'SELECT "member_id", "subject_key", "id", "last_date" FROM "thread"'
    ' WHERE "member_id" IN ({members}) AND "subject_key" IN ({keys}) AND "last_date" >= ?'
    ' ORDER BY "last_date", "id"'
)
_TOUCH = 'UPDATE "thread" SET "last_date" = ? WHERE "id" IN ({ids}) AND "last_date" < ?'


def _by_message(column: str, members: list[int], ids: list[str]) -> Work[Rows]:
    """Rows of ``_BY_MESSAGE``; in order for each member (a member is in one batch)."""
    rows: Rows = []
    for batch in batches(members):
        sql = _BY_MESSAGE.format(column=column, members=marks(len(batch)), ids=marks(len(ids)))
        rows += yield Statement(sql, [*batch, *ids])
    return rows


def thread_group(requests: list[ThreadRequest]) -> Work[list[dict[int, int]]]:
    """Each request's thread id per member, for a group of messages stored together.

    Set-based: three lookups for the whole group (referenced messages, replies that arrived
    before their parent, the subject fallback), one insert of the new threads; messages of
    the group see each other in order (a reply right after its parent joins its thread).
    A match's rank orders candidates: the latest entry (or thread) wins, as one at a time.
    """
    members = list({m for r in requests for m in r.member_ids})
    refs = list({i for r in requests for i in _refs(r.parsed)})
    own_ids = list({db_text(r.parsed.message_id, 998) for r in requests if r.parsed.message_id})
    by_ref: dict[tuple[int, str], tuple[tuple, int]] = {}
    by_parent: dict[tuple[int, str], tuple[tuple, int]] = {}
    by_subject: dict[tuple[int, str], tuple[tuple, int, datetime]] = {}
    if refs:
        rows = yield from _by_message("message_id", members, refs)
        for pos, (member_id, mid, thread_id) in enumerate(rows):
            by_ref[(member_id, mid)] = ((0, pos), thread_id)
    if own_ids:
        rows = yield from _by_message("in_reply_to", members, own_ids)
        for pos, (member_id, parent, thread_id) in enumerate(rows):
            by_parent[(member_id, parent)] = ((0, pos), thread_id)
    replies = [r for r in requests if subject_key(r.parsed.subject) and _looks_like_reply(r.parsed)]
    if replies:
        reply_members = list({m for r in replies for m in r.member_ids})
        keys = list({subject_key(r.parsed.subject) for r in replies})
        since = min(r.when for r in replies) - SUBJECT_WINDOW
        rows = []
        for batch in batches(reply_members):
            sql = _BY_SUBJECT.format(members=marks(len(batch)), keys=marks(len(keys)))
            rows += yield Statement(sql, [*batch, *keys, since])
        for pos, (member_id, key, thread_id, last) in enumerate(rows):
            last = sqlwork.python_value(Thread, "last_date", last)
            by_subject[(member_id, key)] = ((0, pos), thread_id, last)

    new: list[Thread] = []  # thread -(i + 1) is new[i] until inserted
    touched: dict[int, datetime] = {}
    answers: list[dict[int, int]] = []
    for index, request in enumerate(requests):
        parsed, when, rank = request.parsed, request.when, (1, index)
        key = subject_key(parsed.subject)
        mine_refs = _refs(parsed)
        message_id = db_text(parsed.message_id, 998)
        reply = bool(key) and _looks_like_reply(parsed)
        found: dict[int, int] = {}
        for member_id in dict.fromkeys(request.member_ids):
            best = max(
                (by_ref[(member_id, r)] for r in mine_refs if (member_id, r) in by_ref),
                default=None,
            )
            if best is None and message_id:
                best = by_parent.get((member_id, message_id))
            if best is None and reply:
                match = by_subject.get((member_id, key))
                if match and match[2] >= when - SUBJECT_WINDOW:
                    best = match[:2]
            if best is None:
                new.append(
                    Thread(
                        member_id=member_id,
                        subject_key=key,
                        subject=db_text(parsed.subject, 5000),
                        last_date=when,
                    )
                )
                thread_id = -len(new)
                by_subject[(member_id, key)] = (rank, thread_id, when)
            else:
                thread_id = best[1]
                if thread_id > 0:
                    touched[thread_id] = max(when, touched.get(thread_id, when))
            found[member_id] = thread_id
            if message_id:
                by_ref[(member_id, message_id)] = (rank, thread_id)
            if parsed.in_reply_to:
                by_parent[(member_id, db_text(parsed.in_reply_to, 998))] = (rank, thread_id)
        answers.append(found)

    real = yield from _insert_threads(new)
    by_when: dict[datetime, list[int]] = {}
    for thread_id, when in touched.items():
        by_when.setdefault(when, []).append(thread_id)
    for when, ids in by_when.items():
        for batch in batches(ids):
            yield Statement(_TOUCH.format(ids=marks(len(batch))), [when, *batch, when])
    return [{m: (t if t > 0 else real[-t - 1]) for m, t in found.items()} for found in answers]


def _insert_threads(new: list[Thread]) -> Work[list[int]]:
    """Insert new threads; their ids in order. The ids come back in no particular order,
    with (member, subject key, date): threads alike in these are interchangeable."""
    if not new:
        return []
    returning = ("member_id", "subject_key", "last_date", "id")
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for member_id, key, last, thread_id in (yield from sqlwork.insert(Thread, new, returning)):
        last = sqlwork.python_value(Thread, "last_date", last)
        buckets[(member_id, key, last)].append(thread_id)
    for ids in buckets.values():
        ids.sort()
    return [buckets[(t.member_id, t.subject_key, t.last_date)].pop(0) for t in new]
