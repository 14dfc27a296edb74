"""Content-Transfer-Encoding decoding (base64, quoted-printable, uuencode), lenient and linear."""

from __future__ import annotations

import binascii
import re

_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_UU_BEGIN = re.compile(rb"^begin[ \t]+[0-7]{3,4}[ \t]+[^\r\n]*\r?$", re.M)


def b64decode_lenient(data: bytes) -> bytes:
    """Decode base64, ignoring garbage characters and bad padding; never raises."""
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        pass
    clean = _B64_JUNK.sub(b"", data)
    rem = len(clean) % 4
    if rem == 1:
        clean = clean[:-1]
    elif rem:
        clean += b"=" * (4 - rem)
    try:
        return binascii.a2b_base64(clean)
    except (binascii.Error, ValueError):
        return b""


def qpdecode(data: bytes, header: bool = False) -> bytes:
    """Decode quoted-printable (soft line breaks, malformed escapes kept literally)."""
    try:
        return binascii.a2b_qp(data, header=header)
    except (binascii.Error, ValueError):
        return data


def _uudecode(data: bytes) -> bytes:
    m = _UU_BEGIN.search(data)
    if not m:
        return data
    out = bytearray()
    for line in data[m.end() :].splitlines():
        stripped = line.strip()
        if stripped in (b"end", b"`", b""):
            if stripped == b"end":
                break
            continue
        try:
            out += binascii.a2b_uu(line)
        except (binascii.Error, ValueError):
            try:  # Workaround for broken uuencoders (same as the stdlib's).
                nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
                out += binascii.a2b_uu(line[:nbytes])
            except (binascii.Error, ValueError, IndexError):
                continue
    return bytes(out)


def decode_transfer(data: bytes, cte: str) -> bytes:
    """Undo the Content-Transfer-Encoding ``cte`` (lowercase); unknown encodings pass through."""
    if cte == "base64":
        return b64decode_lenient(data)
    if cte == "quoted-printable":
        return qpdecode(data)
    if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
        return _uudecode(data)
    return data
