"""A child process that sanitizes large mail HTML, so its CPU time never holds the server's GIL.

Run as ``python -m mailcore.mime.sanitize_worker``. It reads requests from stdin and writes
answers to stdout, one after another, each framed as a 4-byte big-endian length and UTF-8
(lone surrogates passed through). An answer starts with ``b"+"`` (sanitized HTML follows) or
``b"-"`` (the result was too large: show the text version). It exits at end of input, so
it dies with the server that started it.
"""

from __future__ import annotations

import struct
import sys
from typing import BinaryIO

from mailcore.mime.sanitize import bounded_sanitize

HEADER = struct.Struct(">I")


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


def serve(src: BinaryIO, out: BinaryIO) -> None:
    while (request := read_frame(src)) is not None:
        clean = bounded_sanitize(request.decode("utf-8", "surrogatepass"))
        answer = b"-" if clean is None else b"+" + clean.encode("utf-8", "surrogatepass")
        write_frame(out, answer)


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
