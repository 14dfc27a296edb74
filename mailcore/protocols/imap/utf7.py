"""Modified UTF-7 (RFC 3501 §5.1.3): mailbox names for clients that have not enabled UTF-8.

Printable ASCII stands for itself except ``&``, written ``&-``; any other run of characters
is UTF-16BE in modified base64 (``,`` for ``/``, no padding) between ``&`` and ``-``:
``收件箱`` ↔ ``&ZTZO9nux-``.
"""

from __future__ import annotations

import base64
import binascii


class Utf7Error(ValueError):
    """Not a well-formed modified UTF-7 name."""


def encode(name: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def close() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            close()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    close()
    return "".join(out)


def decode(name: str) -> str:
    out: list[str] = []
    i, n = 0, len(name)
    while i < n:
        char = name[i]
        if not 0x20 <= ord(char) <= 0x7E:
            raise Utf7Error("8-bit or control character in a modified UTF-7 name")
        if char != "&":
            out.append(char)
            i += 1
            continue
        end = name.find("-", i + 1)
        if end < 0:
            raise Utf7Error("unterminated '&' sequence")
        chunk = name[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
            try:
                data = base64.b64decode(padded, validate=True)
                text = data.decode("utf-16-be")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raise Utf7Error("bad '&' sequence") from None
            if encode(text) != "&" + chunk + "-":
                raise Utf7Error("not the shortest form")  # one name, one spelling
            out.append(text)
        i = end + 1
    return "".join(out)
