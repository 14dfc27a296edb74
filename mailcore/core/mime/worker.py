"""A child process for the CPU-heavy MIME work of showing a message (sanitizing large HTML,
parsing large mail), so that work never holds the server's GIL or outlives its budget.

Run as ``python -m mailcore.core.mime.worker``. It reads requests from stdin and writes answers
to stdout, one after another, each framed as a 4-byte big-endian length and a payload. A
request starts with its kind: ``b"h"`` + UTF-8 HTML (lone surrogates passed through) or
``b"p"`` + raw mail. An answer starts with ``b"+"`` and the result (sanitized HTML as UTF-8;
the ParsedMessage pickled: only the server that started this process reads it), or ``b"-"``
(sanitized HTML grew too large: show the text version). It exits at end of input, so it
dies with the server that started it.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import BinaryIO

from mailcore.core.mime.parse import parse_message
from mailcore.core.mime.sanitize import bounded_sanitize

HEADER = struct.Struct(">I")
HTML = b"h"
PARSE = b"p"


def write_frame(out: BinaryIO, data: bytes) -> None:
    out.write(HEADER.pack(len(data)) + data)
    out.flush()


def read_frame(src: BinaryIO) -> bytes | None:
    """One frame, or None at end of input."""
    head = src.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    data = src.read(size)
    return data if len(data) == size else None


def answer(request: bytes) -> bytes:
    kind, payload = request[:1], request[1:]
    if kind == PARSE:
        return b"+" + pickle.dumps(parse_message(payload), protocol=pickle.HIGHEST_PROTOCOL)
    clean = bounded_sanitize(payload.decode("utf-8", "surrogatepass"))
    return b"-" if clean is None else b"+" + clean.encode("utf-8", "surrogatepass")


def serve(src: BinaryIO, out: BinaryIO) -> None:
    while (request := read_frame(src)) is not None:
        write_frame(out, answer(request))


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
