"""A message's MIME entities as IMAP numbers them, and the bytes of a FETCH ``BODY[section]``.

Built on the byte-offset walker of ``mailcore/core/mime/structure.py`` (nothing is copied or
decoded), with two additions IMAP needs: where each entity's header block starts (for
``MIME`` and ``HEADER``), and the message inside a ``message/rfc822`` part (IMAP numbers its
parts under the enclosing part: ``BODY[2.1]``). Depth and part count stay bounded.

Sections (RFC 9051 §6.4.5): ``""`` the whole message; ``HEADER``, ``TEXT``,
``HEADER.FIELDS (…)``, ``HEADER.FIELDS.NOT (…)`` of the message or of a ``message/rfc822``
part; ``1.2`` a part's body; ``1.2.MIME`` its own header block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailcore.core.mime.charset import decode_header_bytes
from mailcore.core.mime.headers import parse_params
from mailcore.core.mime.structure import split_headers, split_multipart

MAX_DEPTH = 32
MAX_PARTS = 5_000
_MESSAGE_TYPES = ("message/rfc822", "message/global")
_CTYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")
_HEADER_LINE = re.compile(rb"([\x21-\x39\x3b-\x7e]{1,200})[ \t]*:")


class BadSection(ValueError):
    """A section that the message does not have (or that is not well formed)."""


@dataclass(slots=True, eq=False)
class Entity:
    """A MIME entity: header block ``raw[header_start:body_start]``, body up to ``end``."""

    header_start: int
    body_start: int
    end: int
    headers: list[tuple[str, bytes]]
    content_type: str
    params: dict[str, str]
    children: list[Entity] = field(default_factory=list)  # a multipart's parts
    message: Entity | None = None  # a message/rfc822 part's message

    def get(self, name: str) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def is_multipart(self) -> bool:
        return self.content_type.startswith("multipart/")


@dataclass(slots=True)
class _Budget:
    parts: int = 0


def _content_type(headers: list[tuple[str, bytes]], default: str) -> tuple[str, dict[str, str]]:
    for key, value in headers:
        if key == "content-type":
            ctype, params = parse_params(decode_header_bytes(value))
            return (ctype if _CTYPE.match(ctype) else "text/plain"), params
    return default, {}


def _encoding(headers: list[tuple[str, bytes]]) -> str:
    for key, value in headers:
        if key == "content-transfer-encoding":
            return value.decode("latin-1").strip().lower()
    return "7bit"


def _build(raw: bytes, start: int, end: int, depth: int, budget: _Budget, default: str) -> Entity:
    headers, body = split_headers(raw, start, end)
    ctype, params = _content_type(headers, default)
    entity = Entity(start, body, end, headers, ctype, params)
    if depth >= MAX_DEPTH:
        return entity
    if entity.is_multipart:
        boundary = params.get("boundary", "").strip()
        spans = split_multipart(raw, body, end, boundary.encode("utf-8")) if boundary else []
        if not spans:
            entity.content_type = "text/plain"  # no delimiters: IMAP shows it as text
            entity.params = {}
            return entity
        child_default = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
        for s, e in spans:
            if budget.parts >= MAX_PARTS:
                break
            budget.parts += 1
            entity.children.append(_build(raw, s, e, depth + 1, budget, child_default))
    elif ctype in _MESSAGE_TYPES and _encoding(headers) in ("7bit", "8bit", "binary"):
        budget.parts += 1
        entity.message = _build(raw, body, end, depth + 1, budget, "text/plain")
    return entity


def parse(raw: bytes) -> Entity:
    """The entity tree of a raw message."""
    return _build(raw, 0, len(raw), 0, _Budget(), "text/plain")


def parse_header(raw: bytes) -> Entity:
    """The message's own header only (for ENVELOPE): no walk of the body."""
    headers, body = split_headers(raw, 0, len(raw))
    return Entity(0, body, len(raw), headers, "text/plain", {})


def part(root: Entity, numbers: list[int]) -> Entity:
    """The entity named by part numbers (``[2, 1]`` for ``2.1``); ``BadSection`` if none."""
    entity = root
    for n in numbers:
        if entity.message is not None:
            entity = entity.message
        if entity.children:
            if not 1 <= n <= len(entity.children):
                raise BadSection("no such part")
            entity = entity.children[n - 1]
        elif n != 1 or entity.is_multipart:
            raise BadSection("no such part")
    return entity


def header_lines(raw: bytes, entity: Entity) -> list[tuple[str, bytes]]:
    """The header block as (lowercase name, raw field incl. folding and line end)."""
    out: list[tuple[str, bytes]] = []
    block = raw[entity.header_start : entity.body_start]
    pos = 0
    n = len(block)
    while pos < n:
        nl = block.find(b"\n", pos)
        stop = n if nl < 0 else nl + 1
        line = block[pos:stop]
        if line.strip() == b"":
            break
        if line[:1] in (b" ", b"\t") and out:
            name, value = out[-1]
            out[-1] = (name, value + line)
        else:
            m = _HEADER_LINE.match(line)
            if m:
                out.append((m.group(1).decode("ascii").lower(), line))
        pos = stop
    return out


def header_block(raw: bytes, entity: Entity) -> bytes:
    block = raw[entity.header_start : entity.body_start]
    if not block.endswith(b"\n\n") and not block.endswith(b"\r\n\r\n"):
        block = block.rstrip(b"\r\n") + b"\r\n\r\n" if block.strip() else b"\r\n"
    return block


def header_fields(raw: bytes, entity: Entity, names: list[str], exclude: bool) -> bytes:
    wanted = {n.lower() for n in names}
    lines = [line for name, line in header_lines(raw, entity) if (name in wanted) != exclude]
    data = b"".join(line if line.endswith(b"\n") else line + b"\r\n" for line in lines)
    return data + b"\r\n"


@dataclass(frozen=True, slots=True)
class Section:
    """A parsed ``section-spec``: part numbers and what of it (``""``, HEADER, TEXT, MIME,
    HEADER.FIELDS, HEADER.FIELDS.NOT) with the field names."""

    parts: tuple[int, ...] = ()
    text: str = ""
    fields: tuple[str, ...] = ()

    def label(self) -> str:
        """The section as echoed in the response: ``1.2.HEADER.FIELDS (FROM TO)``."""
        head = ".".join(str(n) for n in self.parts)
        tail = self.text
        if self.fields:
            tail += " (" + " ".join(self.fields) + ")"
        return f"{head}.{tail}" if head and tail else head or tail


def extract(raw: bytes, root: Entity, section: Section) -> bytes:
    """The bytes of ``BODY[section]`` (before any partial ``<start.count>``)."""
    entity = part(root, list(section.parts)) if section.parts else root
    text = section.text
    if text == "":
        return raw if not section.parts else raw[entity.body_start : entity.end]
    if text == "MIME":
        if not section.parts:
            raise BadSection("MIME needs a part number")
        return header_block(raw, entity)
    if section.parts:  # HEADER/TEXT of a part: of the message it carries
        if entity.message is None:
            raise BadSection("not a message/rfc822 part")
        entity = entity.message
    if text == "HEADER":
        return header_block(raw, entity)
    if text == "TEXT":
        return raw[entity.body_start : entity.end]
    if text == "HEADER.FIELDS":
        return header_fields(raw, entity, list(section.fields), exclude=False)
    if text == "HEADER.FIELDS.NOT":
        return header_fields(raw, entity, list(section.fields), exclude=True)
    raise BadSection(f"unknown section {text}")
