"""What a command answers: the errors that end it (``Bad``, ``No``, ``Bye``) and the encoding
of strings in responses (quoted, literal, NIL).

A handler raises ``No("[TRYCREATE] no such mailbox")`` or ``Bad("...")``; the session turns
it into ``<tag> NO [TRYCREATE] no such mailbox``. The text is ours (ASCII, no CR/LF): what
the client sent is never echoed raw.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class ImapError(Exception):
    """A command's end other than OK: ``status`` (``NO``/``BAD``) and the response text
    (which may start with a response code such as ``[NONEXISTENT]``)."""

    status = "NO"

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = _UNSAFE.sub("?", text)

    def line(self, tag: str) -> bytes:
        return f"{tag} {self.status} {self.text}\r\n".encode()


class No(ImapError):
    """The command was understood but failed (``NO``)."""

    status = "NO"


class Bad(ImapError):
    """The command was not understood or its arguments are wrong (``BAD``)."""

    status = "BAD"


class Bye(Exception):
    """End the connection after ``* BYE <text>``."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = _UNSAFE.sub("?", text)


_QUOTABLE = re.compile(rb"[^\x00\r\n\x80-\xff]*")
_QUOTABLE_UTF8 = re.compile(rb"[^\x00\r\n]*")
MAX_QUOTED = 1024  # longer strings go as literals


def string(value: str | bytes, *, utf8: bool = False) -> bytes:
    """A string as a quoted string when it can be one, else as a literal.

    8-bit text is quoted only when the client enabled UTF-8 (UTF8=ACCEPT or IMAP4rev2)."""
    data = value.encode() if isinstance(value, str) else value
    pattern = _QUOTABLE_UTF8 if utf8 else _QUOTABLE
    if len(data) <= MAX_QUOTED and pattern.fullmatch(data):
        return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return literal(data)


def nstring(value: str | bytes | None, *, utf8: bool = False) -> bytes:
    """``NIL`` for None, else ``string``."""
    return b"NIL" if value is None else string(value, utf8=utf8)


def literal(data: bytes) -> bytes:
    """``{n}CRLF`` and the bytes."""
    return b"{%d}\r\n" % len(data) + data


_ATOM = re.compile(rb"[^\x00-\x20\x7f-\xff(){%*\"\\\]]+")


def astring(value: str | bytes, *, utf8: bool = False) -> bytes:
    """An atom when the text is one (and not NIL), else ``string``."""
    data = value.encode() if isinstance(value, str) else value
    if _ATOM.fullmatch(data) and data.upper() != b"NIL":
        return data
    return string(data, utf8=utf8)
