"""Sync tokens (RFC 6578) and ctags: a token names a snapshot of the calendar's events (UID
and stored etag of each) and the caller's access level when it was handed out.

Every change to a calendar's events, from any path (GraphQL, DAV, a meeting copy, an
invitation that came by mail), changes an event's etag and raises the calendar's
``version``; so no change log has to be written at each of those places: a sync-collection
compares the calendar now with the snapshot its token names and reports the UIDs whose
etag differs (changed or new) and those gone (deleted, 404). Snapshots are kept by content,
one per state a client was told about, the newest ``KEEP`` per calendar; an older token, or
one handed out while the caller had another access level (their view of the events
differs), answers DAV:valid-sync-token and the client lists the calendar again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from mailcore.calendar.access import Level
from mailcore.core.models import Calendar, CalendarEvent, DavSnapshot
from mailcore.dav import errors
from mailcore.dav.errors import DavError

PREFIX = "http://qiyou.invalid/ns/sync/"
KEEP = 20


@dataclass(frozen=True)
class Changes:
    token: str
    changed: list[str]  # UIDs new or changed since the token
    deleted: list[str]  # UIDs gone since the token


def ctag(calendar: Calendar, level: Level) -> str:
    return f"{calendar.version}-{int(level)}"


async def current(calendar: Calendar, level: Level) -> str:
    """A token for the calendar as it is now (a snapshot made when its version has none)."""
    found = (
        await DavSnapshot.filter(calendar_id=calendar.id, version=calendar.version)
        .order_by("-id")
        .first()
    )
    if found is None:
        found = await _snapshot(calendar.id, calendar.version, await _entries(calendar.id))
    return _token(found.id, level)


async def since(calendar: Calendar, level: Level, token: str) -> Changes:
    """What changed since ``token`` (empty: everything), and the token for now."""
    before: dict[str, str] = {}
    if token:
        before = await _known(calendar, level, token)
    version = (await Calendar.filter(id=calendar.id).values_list("version", flat=True))[0]
    now = await _entries(calendar.id)
    changed = sorted(uid for uid, etag in now.items() if before.get(uid) != etag)
    deleted = sorted(uid for uid in before if uid not in now)
    snapshot = await _snapshot(calendar.id, int(version), now)
    return Changes(_token(snapshot.id, level), changed, deleted)


async def _known(calendar: Calendar, level: Level, token: str) -> dict[str, str]:
    snapshot_id, _, token_level = token.removeprefix(PREFIX).partition("-")
    invalid = DavError(403, "unknown or expired sync token", errors.VALID_SYNC_TOKEN)
    if not token.startswith(PREFIX) or not snapshot_id.isdigit() or len(snapshot_id) > 18:
        raise invalid
    if token_level != str(int(level)):
        raise invalid
    found = await DavSnapshot.filter(id=int(snapshot_id), calendar_id=calendar.id).first()
    if found is None:
        raise invalid
    return json.loads(found.entries)


async def _entries(calendar_id: int) -> dict[str, str]:
    return dict(await CalendarEvent.filter(calendar_id=calendar_id).values_list("uid", "etag"))


async def _snapshot(calendar_id: int, version: int, entries: dict[str, str]) -> DavSnapshot:
    text = json.dumps(entries, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    found = await DavSnapshot.filter(calendar_id=calendar_id, digest=digest).first()
    if found is not None:
        return found
    try:
        made = await DavSnapshot.create(
            calendar_id=calendar_id, version=version, digest=digest, entries=text
        )
    except IntegrityError:  # made by a concurrent request
        return await DavSnapshot.get(calendar_id=calendar_id, digest=digest)
    kept = await (
        DavSnapshot.filter(calendar_id=calendar_id)
        .order_by("-id")
        .offset(KEEP)
        .values_list("id", flat=True)
    )
    if kept:
        await DavSnapshot.filter(id__in=list(kept)).delete()
    return made


def _token(snapshot_id: int, level: Level) -> str:
    return f"{PREFIX}{snapshot_id}-{int(level)}"
