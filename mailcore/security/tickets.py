"""Signed download tickets: short-lived links (``?ticket=``) instead of session tokens in URLs.

A ticket opens one exact path for the session it was issued to, until it expires:
``<key id>.<session id>.<expires>.<signature>``, the signature an HMAC-SHA256 over the path,
the session and the expiry time (base64url). Whoever follows the link acts as that session's
member, and the route still checks that member may read the object; a revoked session or a
disabled member makes its tickets useless at once.

The key is derived from ``QIYOU_SECRET_KEY`` when it is set; otherwise it is a random key kept
in the database (``download_ticket_key``), made by the first node that needs one, so every
node on one database accepts every other node's tickets. ``rotate`` adds a new key: the
newest signs, and a replaced key is still accepted for two ticket lifetimes (nodes re-read
the keys every minute, so a ticket signed just before a rotation stays good).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from mailcore.core.models import AuthSession, TicketKey
from mailcore.org.sessions import Identity

SECRET_KEY_ID = "s"  # the key id of tickets signed with QIYOU_SECRET_KEY
RELOAD_SECONDS = 60.0  # keys from the database are re-read this often
UNKNOWN_KEY_RELOAD = 5.0  # an unknown key id re-reads the keys at most this often
MAX_TICKET = 200


class TicketErrorCode(StrEnum):
    MALFORMED = "MALFORMED"
    INVALID = "INVALID"
    EXPIRED = "EXPIRED"


class TicketError(Exception):
    def __init__(self, code: TicketErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(key: bytes, path: str, session_id: int, expires: int) -> str:
    message = f"qiyou-download\n{path}\n{session_id}\n{expires}".encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


@dataclass
class DownloadTickets:
    """Signs and checks tickets; one per runtime (it caches the keys of its database)."""

    secret_key: str = ""
    ttl: int = 300
    _keys: dict[str, tuple[bytes, float]] = field(default_factory=dict)  # id → key, good until
    _signing: str = ""
    _loaded_at: float = -math.inf
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def sign(self, path: str, session_id: int) -> str:
        """A ticket for ``path`` (as the server sees it, without the query) and the session."""
        await self._fresh_keys()
        expires = int(time.time()) + self.ttl
        key, _ = self._keys[self._signing]
        return f"{self._signing}.{session_id}.{expires}.{_mac(key, path, session_id, expires)}"

    async def url(self, path: str, session_id: int) -> str:
        """``path?ticket=…``: a link the browser or mini-program can follow by itself."""
        return f"{path}?ticket={await self.sign(path, session_id)}"

    async def session_id(self, path: str, ticket: str) -> int:
        """The session a good ticket for ``path`` was issued to, else a ``TicketError``."""
        parts = ticket.split(".")
        if len(ticket) > MAX_TICKET or len(parts) != 4 or not all(p.isdigit() for p in parts[1:3]):
            raise TicketError(TicketErrorCode.MALFORMED, "not a download ticket")
        key_id, session, expires_text, signature = parts
        session_id, expires = int(session), int(expires_text)
        key = await self._key(key_id)
        if key is None or not hmac.compare_digest(_mac(key, path, session_id, expires), signature):
            raise TicketError(TicketErrorCode.INVALID, "this download link is not valid here")
        if expires < time.time():
            raise TicketError(TicketErrorCode.EXPIRED, "this download link has expired; reload")
        return session_id

    async def identity(self, path: str, ticket: str) -> Identity:
        """The member (and session) behind a good ticket whose session still holds."""
        session = (
            await AuthSession.filter(id=await self.session_id(path, ticket), revoked=False)
            .select_related("member")
            .first()
        )
        if (
            session is None
            or session.expires_at < datetime.now(UTC)
            or not session.member.enabled
            or session.member.deleted_at is not None
        ):
            raise TicketError(TicketErrorCode.INVALID, "the session of this link has ended")
        return Identity(member=session.member, session_id=session.id)

    async def rotate(self) -> int:
        """Add a new database key (it signs from now on); drop keys no longer accepted."""
        row = await TicketKey.create(secret=secrets.token_hex(32))
        async with self._lock:
            self._loaded_at = -math.inf
            await self._load()
        await TicketKey.filter(id__lt=row.id).exclude(id__in=[int(k) for k in self._keys]).delete()
        return row.id

    async def _key(self, key_id: str) -> bytes | None:
        await self._fresh_keys()
        if key_id not in self._keys and time.monotonic() - self._loaded_at > UNKNOWN_KEY_RELOAD:
            async with self._lock:
                await self._load()  # another node may have rotated
        entry = self._keys.get(key_id)
        return entry[0] if entry and entry[1] > time.time() else None

    async def _fresh_keys(self) -> None:
        if time.monotonic() - self._loaded_at < RELOAD_SECONDS:
            return
        async with self._lock:
            if time.monotonic() - self._loaded_at >= RELOAD_SECONDS:
                await self._load()

    async def _load(self) -> None:
        if self.secret_key:
            derived = hashlib.sha256(b"qiyou download tickets\0" + self.secret_key.encode())
            self._keys, self._signing = {SECRET_KEY_ID: (derived.digest(), math.inf)}, SECRET_KEY_ID
            self._loaded_at = math.inf  # never changes while the process runs
            return
        rows = await TicketKey.all().order_by("id")
        if not rows:  # the first node to need a key makes it (two at once: both are kept)
            await TicketKey.create(secret=secrets.token_hex(32))
            rows = await TicketKey.all().order_by("id")
        keys: dict[str, tuple[bytes, float]] = {}
        for older, newer in zip(rows, [*rows[1:], None], strict=True):
            until = math.inf if newer is None else newer.created_at.timestamp() + 2 * self.ttl
            if until > time.time():
                keys[str(older.id)] = (bytes.fromhex(older.secret), until)
        self._keys, self._signing = keys, str(rows[-1].id)
        self._loaded_at = time.monotonic()
