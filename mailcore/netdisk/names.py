"""File and folder names: NFC-normalised, checked, and keyed so that names differing only in
Unicode normalisation or case collide in one folder (as on the desktops that sync them)."""

from __future__ import annotations

import unicodedata

from mailcore.netdisk.errors import NetdiskError, NetdiskErrorCode

MAX_NAME = 255  # characters, after normalisation
MAX_NAME_BYTES = 1020  # UTF-8 bytes (a 255-character CJK name fits)
# Bidirectional overrides make "exe.txt" read as "txt.exe": refused with the control characters.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_name(name: str) -> str:
    """``name`` normalised to NFC with surrounding spaces removed, or BAD_NAME saying why."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise _bad("a name cannot be empty")
    if len(name) > MAX_NAME or len(name.encode()) > MAX_NAME_BYTES:
        raise _bad(f"a name is at most {MAX_NAME} characters")
    if name in (".", ".."):
        raise _bad("'.' and '..' are not names")
    if "/" in name or "\\" in name:
        raise _bad("a name cannot contain '/' or '\\'")
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co") or c in _BIDI for c in name):
        raise _bad("a name cannot contain control characters (NUL, newlines, …)")
    return name


def name_key(name: str) -> str:
    """What two names must not share in one folder: the NFC casefolded name (NFC again after
    casefolding, which may denormalise)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _bad(message: str) -> NetdiskError:
    return NetdiskError(NetdiskErrorCode.BAD_NAME, message, "name")
