"""The selected mailbox's messages as rows, read with one hand-written query per command.

FETCH of FLAGS/UID/INTERNALDATE/RFC822.SIZE (and the blob key for the rest) for 10,000
messages is one SELECT on ``mailbox_entry`` joined to ``message``; SEARCH and SORT add the
message columns parsed at ingest (subject, from, to, cc, date, ids). The rows go through
``mailcore.core.db.select`` (on SQLite a read-only connection of its own: no wait behind a
group commit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mailcore.confidential.access import locked_for, stand_in
from mailcore.core.blobs import BlobStore
from mailcore.core.db import select
from mailcore.core.models import Message

SYSTEM_FLAGS = (
    ("seen", "\\Seen"),
    ("answered", "\\Answered"),
    ("flagged", "\\Flagged"),
    ("deleted", "\\Deleted"),
    ("draft", "\\Draft"),
)
_ENTRY = (
    'e."id", e."uid", e."modseq", e."seen", e."answered", e."flagged", e."deleted", e."draft",'
    ' e."keywords", e."received_at", e."size", m."sha256", e."message_id" AS message_pk,'
    ' e."member_id"'
)
# A recipient's copy of a confidential mail is read as its stand-in (headers and a notice,
# docs/confidential.md), never as its bytes: its row's ``sha256`` is this prefix and the
# message id, which ``raw_of`` turns into the stand-in (and caches never mix the two).
STANDIN = "confidential:"
_MESSAGE = (
    ', m."subject", m."from_name", m."from_address", m."to_json", m."cc_json", m."date",'
    ' m."message_id", m."in_reply_to", m."references", e."bcc_json"'
)


def timestamp(value: Any) -> datetime:
    """A datetime column as an aware UTC datetime (SQLite hands back text)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json(value: Any) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []


@dataclass(slots=True)
class Row:
    """One message as the selected mailbox has it."""

    id: int
    uid: int
    modseq: int
    seen: bool
    answered: bool
    flagged: bool
    deleted: bool
    draft: bool
    keywords: str
    received_at: Any  # datetime, converted on first use (``internal_date``)
    size: int
    sha256: str  # the blob's key, or ``STANDIN`` + message id for a locked copy
    message: dict[str, Any] | None = None  # the message columns (SEARCH, SORT)
    message_pk: int = 0
    member_id: int = 0

    def flags(self) -> list[str]:
        out = [name for attr, name in SYSTEM_FLAGS if getattr(self, attr)]
        if self.keywords:
            out += self.keywords.split()
        return out

    def flag_list(self) -> str:
        return "(" + " ".join(self.flags()) + ")"

    def internal_date(self) -> datetime:
        if not isinstance(self.received_at, datetime) or self.received_at.tzinfo is None:
            self.received_at = timestamp(self.received_at)
        return self.received_at

    def addresses(self, field: str) -> list[dict]:
        """``to`` / ``cc`` / ``bcc`` as stored: dicts with ``name`` and ``address``."""
        assert self.message is not None
        return _json(self.message[f"{field}_json"])


def _row(d: dict[str, Any], with_message: bool) -> Row:
    row = Row(
        int(d["id"]),
        int(d["uid"]),
        int(d["modseq"]),
        bool(d["seen"]),
        bool(d["answered"]),
        bool(d["flagged"]),
        bool(d["deleted"]),
        bool(d["draft"]),
        d["keywords"] or "",
        d["received_at"],
        int(d["size"]),
        d["sha256"],
        message_pk=int(d["message_pk"]),
        member_id=int(d["member_id"]),
    )
    if with_message:
        row.message = d
    return row


async def load(
    folder_id: int,
    uids: list[int] | None = None,
    *,
    changed_since: int | None = None,
    with_message: bool = False,
    read: bool = False,
) -> list[Row]:
    """Rows of ``folder_id`` in UID order: all, or those of ``uids`` (ascending), or those
    changed after ``changed_since``. ``read``: the command reads the messages' bytes or
    sizes (FETCH, SEARCH), so locked confidential copies get their stand-in's key and size;
    flag and folder commands need not look."""
    if uids is not None and not uids:
        return []
    sql = f'SELECT {_ENTRY}{_MESSAGE if with_message else ""} FROM "mailbox_entry" e'
    sql += ' JOIN "message" m ON m."id" = e."message_id" WHERE e."folder_id" = ?'
    values: list[Any] = [folder_id]
    if uids is not None:
        sql += ' AND e."uid" >= ? AND e."uid" <= ?'
        values += [uids[0], uids[-1]]
    if changed_since is not None:
        sql += ' AND e."modseq" > ?'
        values.append(changed_since)
    sql += ' ORDER BY e."uid"'
    found = [_row(d, with_message) for d in await select(sql, *values)]
    if uids is not None and uids[-1] - uids[0] + 1 != len(uids):
        # Not one unbroken run: the range holds UIDs nobody asked for (even when as many
        # rows came back as were asked, some asked for may be gone and others in between).
        wanted = set(uids)
        found = [row for row in found if row.uid in wanted]
    if read:
        await _shield(found)
    return found


async def _shield(rows: list[Row]) -> None:
    """Locked confidential copies: their stand-in's key and size (one query, two if any)."""
    if not rows:
        return
    locked = await locked_for(rows[0].member_id, sorted({r.message_pk for r in rows}))
    if not locked:
        return
    messages = {m.id: m for m in await Message.filter(id__in=list(locked))}
    for row in rows:
        if row.message_pk in locked:
            row.sha256 = f"{STANDIN}{row.message_pk}"
            row.size = len(stand_in(messages[row.message_pk]))


async def raw_many(blobs: BlobStore, keys: list[str]) -> list[bytes]:
    """``raw_of`` for several keys: the blobs in one read of the store."""
    stored = [k for k in keys if not k.startswith(STANDIN)]
    found = dict(zip(stored, await blobs.get_many(stored), strict=True)) if stored else {}
    return [found[k] if k in found else await raw_of(blobs, k) for k in keys]


async def raw_of(blobs: BlobStore, key: str) -> bytes:
    """The bytes a row's ``sha256`` names: the blob, or a locked copy's stand-in."""
    if key.startswith(STANDIN):
        message = await Message.filter(id=int(key[len(STANDIN) :])).first()
        return stand_in(message) if message is not None else b""
    return await blobs.get(key)


async def uid_list(folder_id: int) -> tuple[list[int], list[int]]:
    """The UIDs of a folder in order, and the UIDs of those not \\Seen."""
    rows = await select(
        'SELECT "uid", "seen" FROM "mailbox_entry" WHERE "folder_id" = ? ORDER BY "uid"',
        folder_id,
    )
    uids = [int(r["uid"]) for r in rows]
    unseen = [int(r["uid"]) for r in rows if not r["seen"]]
    return uids, unseen
