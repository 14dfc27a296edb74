"""FETCH data items from the command's arguments (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162
MODSEQ/CHANGEDSINCE/VANISHED): a list of ``Item`` and the modifiers.

``BODY.PEEK[1.HEADER.FIELDS (FROM TO)]<0.100>`` arrives as one atom (the parser keeps a
bracketed section whole) and is split here. Nothing touches storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailcore.protocols.imap.bodyparts import Section
from mailcore.protocols.imap.parser import Args, Atom, String
from mailcore.protocols.imap.responses import Bad

SIMPLE = frozenset(
    {
        "FLAGS",
        "UID",
        "INTERNALDATE",
        "RFC822.SIZE",
        "ENVELOPE",
        "BODYSTRUCTURE",
        "BODY",
        "RFC822",
        "RFC822.HEADER",
        "RFC822.TEXT",
        "MODSEQ",
    }
)
MACROS = {
    "ALL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
    "FAST": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
    "FULL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"],
}
_SECTIONED = re.compile(
    r"(BODY|BODY\.PEEK|BINARY|BINARY\.PEEK|BINARY\.SIZE)\[([^\]]*)\](?:<(\d{1,10})\.(\d{1,10})>)?\Z",
    re.I,
)
_PARTS = re.compile(r"(\d{1,5}(?:\.\d{1,5})*)(?:\.(.*))?\Z", re.S)
_FIELD = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s()"]+)')
MAX_FIELDS = 200


@dataclass(frozen=True, slots=True)
class Item:
    """One data item: ``name`` (``FLAGS``, ``BODY[]``-style items as ``BODY``/``BINARY``/
    ``BINARY.SIZE`` with a ``section``), ``peek``, and a partial ``(start, count)``."""

    name: str
    section: Section | None = None
    peek: bool = False
    partial: tuple[int, int] | None = None

    @property
    def sets_seen(self) -> bool:
        if self.name in ("RFC822", "RFC822.TEXT"):
            return True
        return self.section is not None and not self.peek and self.name in ("BODY", "BINARY")

    def label(self) -> str:
        """The item's name in the response: ``BODY[1.MIME]<0>``."""
        if self.section is None:
            return self.name
        text = f"{self.name}[{self.section.label()}]"
        if self.partial is not None:
            text += f"<{self.partial[0]}>"
        return text


def _section(text: str, binary: bool) -> Section:
    text = text.strip()
    if not text:
        return Section()
    m = _PARTS.match(text)
    if m:
        parts = tuple(int(n) for n in m.group(1).split("."))
        if 0 in parts:
            raise Bad("section part numbers start at 1")
        rest = m.group(2)
        if rest is None:
            return Section(parts)
        if binary:
            raise Bad("BINARY takes part numbers only")
        return _named(parts, rest)
    if binary:
        raise Bad("BINARY takes part numbers only")
    return _named((), text)


def _named(parts: tuple[int, ...], text: str) -> Section:
    head, _, fields = text.partition(" ")
    head = head.upper()
    if head in ("HEADER", "TEXT") or (head == "MIME" and parts):
        if fields.strip():
            raise Bad(f"{head} takes no field list")
        return Section(parts, head)
    if head in ("HEADER.FIELDS", "HEADER.FIELDS.NOT"):
        inner = fields.strip()
        if not (inner.startswith("(") and inner.endswith(")")):
            raise Bad(f"{head} needs a parenthesized list of field names")
        names = [q.replace('\\"', '"') if q else a for q, a in _FIELD.findall(inner[1:-1])]
        if not names or len(names) > MAX_FIELDS:
            raise Bad(f"{head} needs 1 to {MAX_FIELDS} field names")
        if any(not re.fullmatch(r"[\x21-\x39\x3b-\x7e]+", n) for n in names):
            raise Bad("not a header field name")
        return Section(parts, head, tuple(names))
    raise Bad("unknown section")


def item(word: str) -> list[Item]:
    """One fetch-att (or macro) as items."""
    upper = word.upper()
    if upper in MACROS:
        return [Item(name) for name in MACROS[upper]]
    if upper in SIMPLE:
        return [Item(upper)]
    m = _SECTIONED.match(word)
    if m is None:
        raise Bad("unknown FETCH data item")
    kind, section, start, count = m.group(1).upper(), m.group(2), m.group(3), m.group(4)
    binary = kind.startswith("BINARY")
    partial = None
    if start is not None:
        if kind == "BINARY.SIZE":
            raise Bad("BINARY.SIZE takes no partial")
        if int(count) == 0:
            raise Bad("a partial needs a non-zero count")
        partial = (int(start), int(count))
    name = {"BODY.PEEK": "BODY", "BINARY.PEEK": "BINARY"}.get(kind, kind)
    return [Item(name, _section(section, binary), kind.endswith(".PEEK"), partial)]


@dataclass
class Request:
    items: list[Item]
    changed_since: int | None = None
    vanished: bool = False


def parse(args: Args) -> Request:
    """The data items and modifiers that follow the sequence set."""
    value = args.next("FETCH data items")
    words: list = value if isinstance(value, list) else [value]
    if not words:
        raise Bad("FETCH needs data items")
    items: list[Item] = []
    for word in words:
        if not isinstance(word, Atom):
            raise Bad("FETCH data items are atoms")
        if isinstance(value, list) and word.upper() in MACROS:
            raise Bad("macros cannot be in a list")
        items += item(word)
    request = Request(items)
    modifiers = args.optional_list()
    args.end()
    while modifiers is not None and modifiers.more():
        name = modifiers.keyword("FETCH modifier", "CHANGEDSINCE", "VANISHED")
        if name == "CHANGEDSINCE":
            request.changed_since = modifiers.number("mod-sequence")
        else:
            request.vanished = True
    if request.vanished and request.changed_since is None:
        raise Bad("VANISHED needs CHANGEDSINCE")
    return request


__all__ = ["Item", "Request", "String", "item", "parse"]
