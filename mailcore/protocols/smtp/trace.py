"""Trace and required headers written by our SMTP listeners (RFC 5321 4.4, RFC 5322 3.6).

``received``: ``Received: from <helo> ([ip]) by <us> (Qiyou) with <protocol> id <id>
[for <rcpt>]; <date>`` with the protocol names of RFC 3848 (ESMTP, ESMTPS, ESMTPA,
ESMTPSA); the ``for`` clause only when the message has one recipient (more would tell each
who else got it). ``return_path``: the envelope sender, for local delivery; any
``Return-Path`` the sender wrote is dropped (``drop_return_path``). ``missing_required``:
``Date`` and ``Message-ID`` for a submitted message without them.

Everything works on the header block only, and leaves the message alone (no copy) when
there is nothing to drop.
"""

from __future__ import annotations

import re
import secrets
import time
from email.utils import formatdate, make_msgid

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_HEAD_MAX = 256 * 1024
_clock: tuple[int, str] = (0, "")
_UNSAFE = re.compile(r"[\x00-\x20\x7f()<>;]")
_FIELD = re.compile(rb"(?m)^([!-9;-~]+)[ \t]*:")


def queue_id() -> str:
    """An id for one accepted message, as it appears in its Received header and logs."""
    return secrets.token_hex(6).upper()


def protocol_name(*, extended: bool, tls: bool, authenticated: bool) -> str:
    """RFC 3848: ``ESMTP`` + ``S`` with TLS + ``A`` when authenticated (``SMTP`` after HELO)."""
    if not extended:
        return "SMTP"
    return "ESMTP" + ("S" if tls else "") + ("A" if authenticated else "")


def received(
    *,
    helo: str,
    ip: str,
    hostname: str,
    protocol: str,
    queue: str,
    recipients: list[str],
    when: float | None = None,
) -> bytes:
    helo = _UNSAFE.sub("?", helo or "unknown")[:200]
    for_clause = ""
    if len(recipients) == 1:
        for_clause = f"\r\n\tfor <{_UNSAFE.sub('?', recipients[0])[:320]}>"
    header = (
        f"Received: from {helo} ([{ip}])\r\n\tby {hostname} (Qiyou) with {protocol}"
        f" id {queue}{for_clause};\r\n\t{_date(when)}\r\n"
    )
    return header.encode("utf-8", "replace")


def _date(when: float | None) -> str:
    """RFC 5322 date-time in local time, formatted once per second (every message has one)."""
    global _clock
    if when is not None:
        return formatdate(when, localtime=True)
    second = int(time.time())
    if _clock[0] != second:
        _clock = (second, formatdate(second, localtime=True))
    return _clock[1]


def return_path(envelope_from: str) -> bytes:
    address = _UNSAFE.sub("?", envelope_from or "")[:320]
    return f"Return-Path: <{address}>\r\n".encode("utf-8", "replace")


def _head(raw: bytes) -> bytes:
    """The header block with the line end of its last field (the blank line not included)."""
    at = raw.find(b"\r\n\r\n", 0, _HEAD_MAX)  # most mail: one C-speed scan
    if at >= 0 and b"\n\n" not in raw[:at]:
        return raw[: at + 2]
    end = _HEAD_END.search(raw, 0, _HEAD_MAX)
    if end is None:
        return raw[:_HEAD_MAX]
    at = end.start()
    return raw[: at + (2 if raw.startswith(b"\r\n", at) else 1)]


def field_names(raw: bytes) -> set[bytes]:
    """The lower-cased names of the header fields."""
    return {m.group(1).lower() for m in _FIELD.finditer(_head(raw))}


def drop_return_path(raw: bytes) -> bytes:
    """``raw`` without its Return-Path fields (with their folded lines)."""
    head = _head(raw)
    if b"return-path" not in head.lower():
        return raw
    lines = raw[: len(head)].splitlines(keepends=True)
    kept: list[bytes] = []
    dropping = False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = line.split(b":", 1)[0].strip().lower() == b"return-path"
        if not dropping:
            kept.append(line)
    return b"".join(kept) + raw[len(head) :]


def missing_required(raw: bytes, hostname: str, when: float | None = None) -> bytes:
    """``Date`` and ``Message-ID`` fields for a message that lacks them (RFC 5322 3.6)."""
    names = field_names(raw)
    added = b""
    if b"date" not in names:
        added += f"Date: {formatdate(when, localtime=True)}\r\n".encode()
    if b"message-id" not in names:
        added += f"Message-ID: {make_msgid(domain=hostname)}\r\n".encode()
    return added
