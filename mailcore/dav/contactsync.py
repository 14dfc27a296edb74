"""Sync tokens (RFC 6578) and the ctag of a member's personal address book, the way
``sync.py`` does them for calendars: a token names a snapshot of the book (each card's
resource name and etag), kept once per content in ``contact_snapshot``, the newest ``KEEP``
per member. A sync-collection compares the book now with the snapshot and reports the cards
new or changed, and those gone (404). Every change to a card, from GraphQL, an import or
CardDAV, changes its etag (a hash of its text), so nothing else has to be recorded."""

from __future__ import annotations

import hashlib
import json

from tortoise.exceptions import IntegrityError

from mailcore.core.models import ContactSnapshot, PersonalContact
from mailcore.dav import errors
from mailcore.dav.errors import DavError
from mailcore.dav.sync import KEEP, PREFIX, Changes

TOKEN = PREFIX + "contacts-"


async def entries(member_id: int) -> dict[str, str]:
    rows = await PersonalContact.filter(member_id=member_id).values_list("resource", "etag")
    return dict(rows)


def _text(found: dict[str, str]) -> str:
    return json.dumps(found, sort_keys=True, separators=(",", ":"))


def ctag(found: dict[str, str]) -> str:
    return hashlib.sha256(_text(found).encode()).hexdigest()[:32]


async def current(member_id: int) -> str:
    """A token for the book as it is now."""
    return _token((await _snapshot(member_id, await entries(member_id))).id)


async def since(member_id: int, token: str) -> Changes:
    """What changed since ``token`` (empty: everything), and the token for now."""
    before: dict[str, str] = {}
    if token:
        before = await _known(member_id, token)
    now = await entries(member_id)
    changed = sorted(r for r, etag in now.items() if before.get(r) != etag)
    deleted = sorted(r for r in before if r not in now)
    return Changes(_token((await _snapshot(member_id, now)).id), changed, deleted)


async def _known(member_id: int, token: str) -> dict[str, str]:
    number = token.removeprefix(TOKEN)
    if not token.startswith(TOKEN) or not number.isdigit() or len(number) > 18:
        raise DavError(403, "unknown or expired sync token", errors.VALID_SYNC_TOKEN)
    found = await ContactSnapshot.filter(id=int(number), member_id=member_id).first()
    if found is None:
        raise DavError(403, "unknown or expired sync token", errors.VALID_SYNC_TOKEN)
    return json.loads(found.entries)


async def _snapshot(member_id: int, found: dict[str, str]) -> ContactSnapshot:
    text = _text(found)
    digest = hashlib.sha256(text.encode()).hexdigest()
    known = await ContactSnapshot.filter(member_id=member_id, digest=digest).first()
    if known is not None:
        return known
    try:
        made = await ContactSnapshot.create(member_id=member_id, digest=digest, entries=text)
    except IntegrityError:  # made by a concurrent request
        return await ContactSnapshot.get(member_id=member_id, digest=digest)
    old = await (
        ContactSnapshot.filter(member_id=member_id)
        .order_by("-id")
        .offset(KEEP)
        .values_list("id", flat=True)
    )
    if old:
        await ContactSnapshot.filter(id__in=list(old)).delete()
    return made


def _token(snapshot_id: int) -> str:
    return f"{TOKEN}{snapshot_id}"
