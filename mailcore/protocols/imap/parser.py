"""IMAP commands from bytes to values: tag, name and arguments (RFC 9051 §9 grammar, read
leniently).

A command arrives as lines; a line that ends in a literal announcement (``{n}``, or
``{n+}`` with LITERAL+, ``~{n}`` for literal8) is followed by ``n`` bytes and another line.
The session reads them (``literal_at_end`` says what a line announces, ``command_head``
gives the tag and name to choose the limits before the literal is read) and hands the
whole command, exactly as sent, to ``parse``.

Values: ``Atom`` (a ``str``: ``FLAGS``, ``1:*``, ``\\Seen``, ``NIL``; an atom may hold a
bracketed section with spaces, as ``BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>``), ``String``
(a quoted string or a literal, as bytes), and Python lists for parenthesized lists.
Handlers read them through ``Args``, whose every accessor raises ``Bad`` with a plain reason
when the argument is missing or of the wrong kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailcore.protocols.imap.responses import Bad

MAX_NUMBER = 2**63 - 1
_LITERAL_END = re.compile(rb"(~?)\{(\d{1,20})(\+?)\}\r?\n\Z")
_TAG = re.compile(rb"[^\x00-\x20\x7f-\xff(){%*\"\\+]+")
_NAME = re.compile(rb"[A-Za-z][A-Za-z0-9.=-]*")
_DIGITS = re.compile(r"\d+")
# Characters ending an atom (a '[' opens a section that runs to its ']').
_ATOM_STOP = frozenset(b' ()"\r\n\x00{')


class Atom(str):
    """An atom as sent (case kept); compare with ``.upper()``."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class String:
    """A quoted string or a literal (``literal``; ``binary`` for ``~{n}`` literal8)."""

    value: bytes
    literal: bool = False
    binary: bool = False

    def text(self) -> str:
        try:
            return self.value.decode()
        except UnicodeDecodeError:
            raise Bad("a string is not valid UTF-8") from None


Value = Atom | String | list


@dataclass(frozen=True, slots=True)
class LiteralSpec:
    size: int
    sync: bool  # the client waits for a "+" continuation before sending it
    binary: bool  # literal8 (~{n})


def literal_at_end(line: bytes) -> LiteralSpec | None:
    """What literal a line (with its CRLF) announces at its end, if any."""
    match = _LITERAL_END.search(line)
    if match is None:
        return None
    return LiteralSpec(int(match.group(2)), not match.group(3), bool(match.group(1)))


def command_head(line: bytes) -> tuple[str, str]:
    """The tag and the upper-cased command name of a command's first line (``UID FETCH`` for
    UID commands); ``""`` for what cannot be read."""
    parts = line.split(b" ", 3)
    tag = parts[0].decode("latin-1") if _TAG.fullmatch(parts[0]) else ""
    name = ""
    if len(parts) > 1 and _NAME.fullmatch(parts[1].rstrip(b"\r\n")):
        name = parts[1].rstrip(b"\r\n").decode().upper()
        if name == "UID" and len(parts) > 2 and _NAME.fullmatch(parts[2].rstrip(b"\r\n")):
            name += " " + parts[2].rstrip(b"\r\n").decode().upper()
    return tag, name


@dataclass
class Command:
    tag: str
    name: str  # upper case; "UID FETCH" for the UID form
    args: Args


class ParseError(Bad):
    """A command that cannot be parsed; ``tag`` is "" when not even a tag was readable
    (answered with an untagged BAD)."""

    def __init__(self, text: str, tag: str = "") -> None:
        super().__init__(text)
        self.tag = tag


def parse(data: bytes) -> Command:
    """A whole command (lines and literals as sent, the final CRLF optional) → ``Command``;
    ``ParseError`` for what cannot be parsed."""
    space = data.find(b" ")
    head = (data if space < 0 else data[:space]).rstrip(b"\r\n")
    if not head or not _TAG.fullmatch(head):
        raise ParseError("missing or invalid tag")
    tag = head.decode("latin-1")
    try:
        values = _Tokenizer(data, space + 1 if space >= 0 else len(data)).values()
    except Bad as exc:
        raise ParseError(exc.text, tag) from None
    if not values or not isinstance(values[0], Atom) or not _NAME.fullmatch(values[0].encode()):
        raise ParseError("missing command name", tag)
    name = values[0].upper()
    rest = values[1:]
    if name == "UID":
        if not rest or not isinstance(rest[0], Atom):
            raise ParseError("UID needs a command", tag)
        name = "UID " + rest[0].upper()
        rest = rest[1:]
    return Command(tag, name, Args(rest))


class _Tokenizer:
    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data)
        # The final line's CRLF is not a token.
        while self.end > pos and data[self.end - 1] in b"\r\n":
            self.end -= 1

    def values(self) -> list[Value]:
        stack: list[list[Value]] = [[]]
        data, end = self.data, self.end
        while True:
            while self.pos < end and data[self.pos] == 0x20:
                self.pos += 1
            if self.pos >= end:
                break
            c = data[self.pos]
            if c == 0x28:  # (
                inner: list[Value] = []
                stack[-1].append(inner)
                stack.append(inner)
                self.pos += 1
            elif c == 0x29:  # )
                if len(stack) == 1:
                    raise Bad("unbalanced ')'")
                stack.pop()
                self.pos += 1
            elif c == 0x22:  # "
                stack[-1].append(self._quoted())
            elif c == 0x7B or (c == 0x7E and data[self.pos + 1 : self.pos + 2] == b"{"):
                stack[-1].append(self._literal())
            elif c in (0x0D, 0x0A, 0x00):
                raise Bad("unexpected control character")
            else:
                stack[-1].append(self._atom())
        if len(stack) != 1:
            raise Bad("unbalanced '('")
        return stack[0]

    def _quoted(self) -> String:
        data = self.data
        pos = self.pos + 1
        out = bytearray()
        while True:
            if pos >= self.end:
                raise Bad("unterminated quoted string")
            c = data[pos]
            if c == 0x22:
                self.pos = pos + 1
                return String(bytes(out))
            if c == 0x5C:  # backslash: quotes only " and \
                if pos + 1 >= self.end or data[pos + 1] not in b'"\\':
                    raise Bad("bad escape in quoted string")
                out.append(data[pos + 1])
                pos += 2
                continue
            if c in (0x0D, 0x0A, 0x00):
                raise Bad("control character in quoted string")
            out.append(c)
            pos += 1

    def _literal(self) -> String:
        data = self.data
        binary = data[self.pos] == 0x7E
        start = self.pos + (2 if binary else 1)
        close = data.find(b"}", start, start + 22)
        if close < 0:
            raise Bad("bad literal")
        digits = data[start:close].rstrip(b"+")
        if not digits.isdigit():
            raise Bad("bad literal size")
        size = int(digits)
        pos = close + 1
        if data[pos : pos + 2] == b"\r\n":
            pos += 2
        elif data[pos : pos + 1] == b"\n":
            pos += 1
        else:
            raise Bad("a literal's size must end its line")
        if pos + size > len(self.data):
            raise Bad("literal shorter than announced")
        self.pos = pos + size
        if self.end < self.pos:  # the literal ended the command: its bytes are not trimmed
            self.end = self.pos
        return String(data[pos : pos + size], literal=True, binary=binary)

    def _atom(self) -> Atom:
        data, end = self.data, self.end
        start = pos = self.pos
        while pos < end:
            c = data[pos]
            if c == 0x5B:  # [ ... ] may hold spaces, lists and quoted strings
                close = self._section_end(pos)
                pos = close + 1
                continue
            if c in _ATOM_STOP:
                break
            if c < 0x20 or c == 0x7F:
                raise Bad("control character in an atom")
            pos += 1
        if pos == start:
            raise Bad(f"unexpected {chr(data[pos])!r}")
        self.pos = pos
        try:
            return Atom(data[start:pos].decode())
        except UnicodeDecodeError:
            raise Bad("an atom is not valid UTF-8") from None

    def _section_end(self, pos: int) -> int:
        data, end = self.data, self.end
        pos += 1
        quoted = False
        while pos < end:
            c = data[pos]
            if c in (0x0D, 0x0A, 0x00):
                raise Bad("unterminated '['")
            if quoted:
                if c == 0x5C:
                    pos += 2
                    continue
                if c == 0x22:
                    quoted = False
            elif c == 0x22:
                quoted = True
            elif c == 0x5D:
                return pos
            pos += 1
        raise Bad("unterminated '['")


class Args:
    """A cursor over a command's arguments; every accessor raises ``Bad`` when the next
    argument is missing or not of the kind asked for (``what`` names it in the message)."""

    __slots__ = ("items", "pos")

    def __init__(self, items: list[Value]) -> None:
        self.items = items
        self.pos = 0

    def __repr__(self) -> str:
        return f"Args({self.items[self.pos :]!r})"

    def more(self) -> bool:
        return self.pos < len(self.items)

    def peek(self) -> Value | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self, what: str = "argument") -> Value:
        if self.pos >= len(self.items):
            raise Bad(f"missing {what}")
        value = self.items[self.pos]
        self.pos += 1
        return value

    def end(self) -> None:
        if self.pos < len(self.items):
            raise Bad("too many arguments")

    def atom(self, what: str = "argument") -> Atom:
        value = self.next(what)
        if not isinstance(value, Atom):
            raise Bad(f"{what} must be an atom")
        return value

    def keyword(self, what: str, *choices: str) -> str:
        """The next atom, upper-cased, which must be one of ``choices`` (any if none)."""
        word = self.atom(what).upper()
        if choices and word not in choices:
            raise Bad(f"{what} must be one of {', '.join(choices)}")
        return word

    def astring_bytes(self, what: str = "argument") -> bytes:
        value = self.next(what)
        if isinstance(value, String):
            return value.value
        if isinstance(value, Atom):
            return value.encode()
        raise Bad(f"{what} must be a string")

    def astring(self, what: str = "argument") -> str:
        value = self.next(what)
        if isinstance(value, String):
            return value.text()
        if isinstance(value, Atom):
            return str(value)
        raise Bad(f"{what} must be a string")

    def string(self, what: str = "argument") -> String:
        value = self.next(what)
        if not isinstance(value, String):
            raise Bad(f"{what} must be a quoted string or a literal")
        return value

    def nstring(self, what: str = "argument") -> String | None:
        value = self.next(what)
        if isinstance(value, Atom) and value.upper() == "NIL":
            return None
        if not isinstance(value, String):
            raise Bad(f"{what} must be a string or NIL")
        return value

    def number(self, what: str = "number", *, nonzero: bool = False) -> int:
        value = self.next(what)
        if not isinstance(value, Atom) or not _DIGITS.fullmatch(value) or len(value) > 19:
            raise Bad(f"{what} must be a number")
        number = int(value)
        if number > MAX_NUMBER or (nonzero and number == 0):
            raise Bad(f"{what} is out of range")
        return number

    def list(self, what: str = "list") -> Args:
        value = self.next(what)
        if not isinstance(value, list):
            raise Bad(f"{what} must be a parenthesized list")
        return Args(value)

    def optional_list(self) -> Args | None:
        """The next argument if it is a list (consumed), else None (nothing consumed)."""
        if isinstance(self.peek(), list):
            return self.list()
        return None

    def rest(self) -> list[Value]:
        """The remaining arguments (consumed)."""
        items = self.items[self.pos :]
        self.pos = len(self.items)
        return items
