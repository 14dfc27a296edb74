"""Byte-level MIME tree: header blocks and multipart bodies located by offsets into the raw mail.

Nothing is copied or decoded here except header values, so the walk is linear in the input and
bounded in depth and part count. Malformed input degrades (a multipart without its delimiters
becomes a text leaf, a missing close delimiter ends the last part at the end of input).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailcore.core.mime.charset import decode_header_bytes
from mailcore.core.mime.headers import parse_params

MAX_DEPTH = 64
MAX_PARTS = 10_000
MAX_HEADERS = 1_000

_HNAME = re.compile(rb"([\x21-\x39\x3b-\x7e]{1,200})[ \t]*:")
_CTYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")


@dataclass(slots=True, eq=False)
class Part:
    """A MIME entity: its headers and the offsets of its (still transfer-encoded) body."""

    headers: list[tuple[str, bytes]]
    start: int
    end: int
    content_type: str
    params: dict[str, str]
    depth: int
    children: list[Part] = field(default_factory=list)

    def get(self, name: str) -> bytes | None:
        """First raw value of header ``name`` (lowercase), unfolded and stripped."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def get_all(self, name: str) -> list[bytes]:
        """All raw values of header ``name`` (lowercase)."""
        return [value for key, value in self.headers if key == name]

    @property
    def is_multipart(self) -> bool:
        return self.content_type.startswith("multipart/")


@dataclass(slots=True)
class _Budget:
    parts: int = 0


def split_headers(raw: bytes, start: int, end: int) -> tuple[list[tuple[str, bytes]], int]:
    """Parse the header block at ``raw[start:end]``; return (headers, offset where body starts)."""
    pending: list[tuple[str, list[bytes]]] = []
    pos = start
    first = True
    body = end
    while pos < end:
        nl = raw.find(b"\n", pos, end)
        line_end = end if nl < 0 else nl
        next_pos = end if nl < 0 else nl + 1
        le = line_end
        if le > pos and raw[le - 1] == 13:
            le -= 1
        if le == pos:
            body = next_pos
            break
        c = raw[pos]
        if c == 32 or c == 9:
            if pending:
                if len(pending) <= MAX_HEADERS:
                    pending[-1][1].append(raw[pos:le])
                pos = next_pos
                continue
            if not raw[pos:le].strip():
                body = next_pos
                break
        m = _HNAME.match(raw, pos, le)
        if m:
            if len(pending) < MAX_HEADERS:
                pending.append((m.group(1).decode("ascii").lower(), [raw[m.end() : le]]))
            pos = next_pos
            first = False
            continue
        if first and raw.startswith(b"From ", pos, le):  # mbox separator line
            pos = next_pos
            first = False
            continue
        body = pos  # not a header line: the body starts here (no blank separator)
        break
    headers = [(name, b"".join(chunks).strip()) for name, chunks in pending]
    return headers, body


def split_multipart(raw: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int]]:
    """Offsets of the body parts delimited by ``--boundary`` lines in ``raw[start:end]``."""
    delim = b"--" + boundary
    dlen = len(delim)
    spans: list[tuple[int, int]] = []
    cur = -1
    pos = start
    while True:
        i = raw.find(delim, pos, end)
        if i < 0:
            break
        pos = i + 1
        if i != start and raw[i - 1] != 10:
            continue
        j = i + dlen
        closing = raw.startswith(b"--", j, end)
        k = j + 2 if closing else j
        while k < end and raw[k] in (32, 9):
            k += 1
        if k < end and raw[k] not in (13, 10):
            continue
        if k < end and raw[k] == 13:
            k += 1
        if k < end and raw[k] == 10:
            k += 1
        if cur >= 0:
            pe = i
            if pe > cur and raw[pe - 1] == 10:
                pe -= 1
                if pe > cur and raw[pe - 1] == 13:
                    pe -= 1
            spans.append((cur, pe))
        if closing:
            cur = -1
            break
        cur = k
        pos = k
    if cur >= 0:
        spans.append((cur, end))  # no close delimiter: truncated or sloppy mail
    return spans


def _content_type(headers: list[tuple[str, bytes]], default: str) -> tuple[str, dict[str, str]]:
    for key, value in headers:
        if key == "content-type":
            ctype, params = parse_params(decode_header_bytes(value))
            if not _CTYPE.match(ctype):
                return "text/plain", params
            return ctype, params
    return default, {}


def _build(raw: bytes, start: int, end: int, depth: int, budget: _Budget, default: str) -> Part:
    headers, body = split_headers(raw, start, end)
    ctype, params = _content_type(headers, default)
    part = Part(headers, body, end, ctype, params, depth)
    if not part.is_multipart:
        return part
    if depth >= MAX_DEPTH:
        return part  # too deep: an opaque multipart leaf, ignored by the walker
    boundary = params.get("boundary", "").strip()
    spans = split_multipart(raw, body, end, boundary.encode("utf-8")) if boundary else []
    if not spans:
        part.content_type = "text/plain"  # delimiters missing: show the body as text
        return part
    child_default = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
    for s, e in spans:
        if budget.parts >= MAX_PARTS:
            break
        budget.parts += 1
        part.children.append(_build(raw, s, e, depth + 1, budget, child_default))
    return part


def build_tree(raw: bytes) -> Part:
    """Parse ``raw`` into a tree of Parts (bounded depth and part count)."""
    return _build(raw, 0, len(raw), 0, _Budget(), "text/plain")
