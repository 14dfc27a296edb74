"""DKIM-sign a message at delivery time with the key of its From domain (or, failing that,
the envelope sender's domain), when that domain is hosted here. Bcc headers are removed."""

from __future__ import annotations

import logging
import re
import time

from mailcore.domains.dkim import ensure_dkim
from mailcore.mailauth import dkim
from mailcore.models import Domain
from mailcore.org.addresses import split_address

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
_BCC = re.compile(rb"(?im)^bcc:.*(?:\r?\n[ \t].*)*\r?\n")


def strip_bcc(raw: bytes) -> bytes:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return raw
    return _BCC.sub(b"", head + b"\r\n").removesuffix(b"\r\n") + sep + body


class Signer:
    def __init__(self) -> None:
        self._keys: dict[str, tuple[float, Domain | None]] = {}

    async def _domain(self, name: str) -> Domain | None:
        cached = self._keys.get(name)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        domain = await Domain.filter(name=name).first()
        if domain is not None and not domain.dkim_private_key:
            domain = await ensure_dkim(domain)
        self._keys[name] = (time.monotonic(), domain)
        return domain

    async def prepare(self, raw: bytes, from_address: str, envelope_from: str) -> bytes:
        """The bytes to send: CRLF, no Bcc, DKIM-signed when we hold the domain's key."""
        message = strip_bcc(dkim.crlf(raw))
        for address in (from_address, envelope_from):
            name = split_address(address or "")[1] if "@" in (address or "") else ""
            if not name:
                continue
            domain = await self._domain(name)
            if domain is None or not domain.dkim_private_key:
                continue
            try:
                return await dkim.sign(
                    message, domain.name, domain.dkim_selector, domain.dkim_private_key
                )
            except Exception:  # noqa: BLE001 - unsigned mail still goes out
                log.exception("DKIM signing for %s failed", domain.name)
            break
        return message
