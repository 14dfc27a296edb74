"""IMAP keywords on mailbox entries: kept as one space-separated text (``keywords``).

A keyword is an IMAP atom (RFC 9051 ``flag-keyword``): printable ASCII without spaces,
parentheses, braces, quotes, backslash, ``%``, ``*`` or ``]``; compared case-insensitively
and kept as first written. A member's entry holds at most ``MAX_KEYWORDS``.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcore.store.errors import MailError, MailErrorCode

MAX_KEYWORD = 64
MAX_KEYWORDS = 64
_FORBIDDEN = set('(){ %*"\\]')


def valid_keyword(word: str) -> bool:
    return 0 < len(word) <= MAX_KEYWORD and all(
        33 <= ord(c) < 127 and c not in _FORBIDDEN for c in word
    )


def parse(text: str) -> list[str]:
    return text.split()


def checked(words: Iterable[str]) -> list[str]:
    """The keywords as given, duplicates dropped; MailError INVALID for a bad one."""
    result: dict[str, str] = {}
    for word in words:
        if not valid_keyword(word):
            text = f"not a valid keyword: {word[:80]!r}"
            raise MailError(MailErrorCode.INVALID, text, "keywords")
        result.setdefault(word.casefold(), word)
    return list(result.values())


def apply(
    current: str,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    replace: Iterable[str] | None = None,
) -> str:
    """``current`` with keywords added, removed or replaced (case-insensitively)."""
    words = {w.casefold(): w for w in (parse(current) if replace is None else replace)}
    for word in add:
        words.setdefault(word.casefold(), word)
    for word in remove:
        words.pop(word.casefold(), None)
    if len(words) > MAX_KEYWORDS:
        raise MailError(MailErrorCode.INVALID, f"at most {MAX_KEYWORDS} keywords", "keywords")
    return " ".join(words.values())
