"""POP3 on the wire, without I/O or storage: command lines in, reply lines and message
bytes out.

``parse`` turns a command line into a keyword and its arguments, or says why it cannot
(too long, not ASCII, a missing or extra argument); the session then only checks the
state. ``transmit`` gives a message as POP3 sends it: line ends made CRLF, lines starting
with a dot stuffed, the terminating ``.`` line, in chunks for the writer to drain between.
``top`` cuts it to the headers and the first lines of the body first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_LINE = 255  # RFC 2449: a command line, CRLF included
MAX_AUTH_LINE = 4096  # AUTH PLAIN responses may be longer (RFC 5034): base64 of 2 × 1 KB
MAX_ARGUMENT = 40  # RFC 2449
CHUNK = 64 * 1024

_EOL = re.compile(rb"\r\n|\r|\n")
_DOT = re.compile(rb"^\.", re.MULTILINE)

# keyword: (least, most) arguments; PASS takes the rest of the line as one argument.
ARITY: dict[str, tuple[int, int]] = {
    "USER": (1, 1),
    "PASS": (1, 1),
    "AUTH": (0, 2),
    "STLS": (0, 0),
    "CAPA": (0, 0),
    "QUIT": (0, 0),
    "STAT": (0, 0),
    "LIST": (0, 1),
    "RETR": (1, 1),
    "DELE": (1, 1),
    "NOOP": (0, 0),
    "RSET": (0, 0),
    "TOP": (2, 2),
    "UIDL": (0, 1),
}


@dataclass(frozen=True)
class Command:
    keyword: str
    args: tuple[str, ...] = ()


class BadCommand(ValueError):
    """A line that is not a command we take; the text is the reply after ``-ERR``."""


def parse(line: bytes) -> Command:
    """A command line (CRLF or LF at the end or not) → its keyword and arguments."""
    line = line.removesuffix(b"\n").removesuffix(b"\r")
    keyword_bytes, _, rest_bytes = line.partition(b" ")
    if len(line) + 2 > (MAX_AUTH_LINE if keyword_bytes.upper() == b"AUTH" else MAX_LINE):
        raise BadCommand("line too long")
    try:
        keyword = keyword_bytes.decode("ascii").upper()
    except UnicodeDecodeError:
        raise BadCommand("unknown command") from None
    if keyword not in ARITY:
        if not keyword:
            raise BadCommand("empty command")
        shown = keyword[:8] if keyword.isalnum() else "?"
        raise BadCommand(f"unknown command {shown}")
    least, most = ARITY[keyword]
    if keyword == "PASS":  # RFC 1939: spaces may belong to the password
        try:
            password = rest_bytes.decode("utf-8")
        except UnicodeDecodeError:
            raise BadCommand("PASS: the password is not UTF-8") from None
        if not password or _control(password):
            raise BadCommand("PASS needs a password")
        return Command(keyword, (password,))
    try:
        rest = rest_bytes.decode("ascii")
    except UnicodeDecodeError:
        raise BadCommand(f"{keyword}: arguments must be ASCII") from None
    args = tuple(rest.split(" ")) if rest else ()
    if any(not a or _control(a) for a in args):
        raise BadCommand(f"{keyword}: arguments are separated by one space")
    if len(args) < least:
        raise BadCommand(f"{keyword} needs {_count(least)}")
    if len(args) > most:
        raise BadCommand(f"{keyword} takes {_count(most) if most else 'no argument'}")
    if keyword != "AUTH" and any(len(a) > MAX_ARGUMENT for a in args):
        raise BadCommand(f"{keyword}: argument too long")
    return Command(keyword, args)


def _count(n: int) -> str:
    return f"{n} argument" + ("s" if n > 1 else "")


def _control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def number(text: str) -> int | None:
    """A message number or line count: plain decimal digits, else None."""
    if not text.isdigit() or not text.isascii() or len(text) > 10:
        return None
    return int(text)


def normalised(raw: bytes) -> bytes:
    """Every line end CRLF (a bare CR or LF too), ending with one."""
    crlf = raw.count(b"\r\n")
    if raw.count(b"\n") != crlf or raw.count(b"\r") != crlf:  # counting is cheaper than sub
        raw = _EOL.sub(b"\r\n", raw)
    if raw and not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw


def top(raw: bytes, lines: int) -> bytes:
    """The headers, the blank line and the first ``lines`` lines of the body (normalised)."""
    data = normalised(raw)
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return data  # headers only
    cut = end + 4
    for _ in range(lines):
        next_end = data.find(b"\r\n", cut)
        if next_end < 0:
            break
        cut = next_end + 2
    return data[:cut]


def transmit(data: bytes, chunk: int = CHUNK) -> Iterator[bytes]:
    """``normalised`` message bytes dot-stuffed and terminated, in chunks."""
    stuffed = (_DOT.sub(b"..", data) if data[:1] == b"." or b"\n." in data else data) + b".\r\n"
    view = memoryview(stuffed)
    for start in range(0, len(view), chunk):
        yield view[start : start + chunk]
