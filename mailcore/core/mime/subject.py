"""Subject normalisation for threading, and reply/forward subject prefixes that never stack."""

from __future__ import annotations

import re
import unicodedata

_REPLY = r"re|aw|sv|antw|回复|回覆|答复|答覆"
_FORWARD = r"fwd|fw|转发|轉發|轉寄|转"
_COUNTER = r"(?:\s*(?:\[\d+\]|\(\d+\)|\^\d+))?"
_COLON = r"\s*[:：]\s*"

_ANY_PREFIX = re.compile(rf"\s*(?:{_REPLY}|{_FORWARD}){_COUNTER}{_COLON}", re.I)
_REPLY_PREFIX = re.compile(rf"\s*(?:{_REPLY}){_COUNTER}{_COLON}", re.I)
_FORWARD_PREFIX = re.compile(rf"\s*(?:{_FORWARD}){_COUNTER}{_COLON}", re.I)
_TAG = re.compile(r"\s*(\[[^\[\]]{1,80}\])\s*")
_WS = re.compile(r"\s+")


def _strip(subject: str, prefix: re.Pattern[str]) -> tuple[list[str], str]:
    """Strip prefixes (also behind leading [list-tags]); return (tags, rest)."""
    tags: list[str] = []
    rest = subject
    while True:
        m = prefix.match(rest)
        if m:
            rest = rest[m.end() :]
            continue
        m = _TAG.match(rest)
        if m and prefix.match(rest, m.end()):
            if m.group(1) not in tags:
                tags.append(m.group(1))
            rest = rest[m.end() :]
            continue
        if m and m.group(1) in tags:  # "[dev] Re: [dev] x": drop the repeated tag
            rest = rest[m.end() :]
            continue
        return tags, rest


def normalize_subject(subject: str) -> str:
    """Threading key: reply/forward prefixes removed (list tags kept), whitespace collapsed,
    casefolded. ``normalize_subject("Re: 回复：Fwd: 会议") == "会议"``."""
    text = unicodedata.normalize("NFKC", subject or "")
    text = _WS.sub(" ", text).strip()
    tags, rest = _strip(text, _ANY_PREFIX)
    return _WS.sub(" ", " ".join([*tags, rest])).strip().casefold()


def _prefixed(prefix: str, subject: str, pattern: re.Pattern[str]) -> str:
    text = _WS.sub(" ", subject or "").strip()
    tags, rest = _strip(text, pattern)
    return " ".join([f"{prefix}:", *tags, rest]).strip()


def reply_subject(subject: str) -> str:
    """``"Re: <subject>"`` without stacking reply prefixes (Re: Re: x -> Re: x)."""
    return _prefixed("Re", subject, _REPLY_PREFIX)


def forward_subject(subject: str) -> str:
    """``"Fwd: <subject>"`` without stacking forward prefixes (Fwd: Fw: x -> Fwd: x)."""
    return _prefixed("Fwd", subject, _FORWARD_PREFIX)
