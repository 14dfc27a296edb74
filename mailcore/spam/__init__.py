"""Spam checking behind one small interface, chosen by ``QIYOU_SPAM_URL``.

``builtin`` (default) scores a few documented heuristics (``mailcore.spam.builtin``);
``rspamd+http://host:11333`` asks rspamd's ``/checkv2``; ``spamd://host:783`` asks
SpamAssassin's spamd (SPAMC protocol); ``off`` checks nothing. A checker returns a score;
each enterprise compares it with its own threshold (``SpamSetting``). A checker that cannot
be reached scores nothing (the mail is delivered, the failure logged), so an outage of the
filter never loses mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from mailcore.core.mime.types import ParsedMessage
from mailcore.mailauth.results import AuthResults


@dataclass(frozen=True)
class MessageFacts:
    """What a checker may use besides the raw message."""

    ip: str = ""
    helo: str = ""
    mail_from: str = ""
    recipients: tuple[str, ...] = ()
    auth: AuthResults | None = None
    parsed: ParsedMessage | None = None  # the raw message, parsed already (if at hand)


@dataclass(frozen=True)
class SpamVerdict:
    score: float
    symbols: list[str] = field(default_factory=list)
    checker: str = ""


class SpamChecker(Protocol):
    name: str

    async def check(self, raw: bytes, facts: MessageFacts) -> SpamVerdict | None:
        """A score, or None when the message was not checked (checker off or unreachable)."""


class NoChecker:
    name = "off"

    async def check(self, raw: bytes, facts: MessageFacts) -> SpamVerdict | None:
        return None


def open_checker(url: str, timeout: float = 10.0) -> SpamChecker:
    from urllib.parse import urlparse

    text = (url or "builtin").strip()
    if text == "off":
        return NoChecker()
    if text == "builtin":
        from mailcore.spam.builtin import BuiltinChecker

        return BuiltinChecker()
    parsed = urlparse(text)
    if parsed.scheme in ("rspamd+http", "rspamd+https"):
        from mailcore.spam.rspamd import RspamdChecker

        base = f"{parsed.scheme.removeprefix('rspamd+')}://{parsed.netloc}{parsed.path}"
        return RspamdChecker(base.rstrip("/"), timeout=timeout)
    if parsed.scheme == "spamd":
        from mailcore.spam.spamd import SpamdChecker

        return SpamdChecker(parsed.hostname or "127.0.0.1", parsed.port or 783, timeout=timeout)
    raise ValueError(f"QIYOU_SPAM_URL: unknown checker {url!r}")
