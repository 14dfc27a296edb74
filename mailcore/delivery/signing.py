"""DKIM-sign a message at delivery time, only ever with a key of the sending member's own
enterprise: its From domain if that domain is one of the enterprise's, else the envelope
sender's domain if it is, else not at all (a rule forward keeps the original From and is
signed by the forwarding member's domain). System mail, with no sending member, is signed
by the enterprise of its From (or envelope) domain, which Qiyou wrote itself. Bcc headers
and the ``Return-Path`` of the local copies (the next server writes its own, RFC 5321 4.4)
are removed before signing, so the signature covers what is sent."""

from __future__ import annotations

import logging
import re
import time

from mailcore.core.models import Domain, Member
from mailcore.domains.dkim import ensure_dkim
from mailcore.mailauth import dkim
from mailcore.org.addresses import split_address

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
_HIDDEN = re.compile(rb"(?im)^(?:bcc|return-path)[ \t]*:.*(?:\r?\n[ \t].*)*\r?\n")


def strip_bcc(raw: bytes) -> bytes:
    """Without Bcc and Return-Path fields."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return raw
    return _HIDDEN.sub(b"", head + b"\r\n").removesuffix(b"\r\n") + sep + body


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

    async def _enterprise(self, member_id: int) -> int | None:
        rows = await Member.filter(id=member_id).values_list("enterprise_id", flat=True)
        return rows[0] if rows else None

    async def prepare(
        self, raw: bytes, from_address: str, envelope_from: str, sender_id: int | None = None
    ) -> bytes:
        """The bytes to send: CRLF, no Bcc, DKIM-signed when a domain of the sender's
        enterprise (``sender_id``: the sending member; None for system mail) is its From or
        envelope domain."""
        message = strip_bcc(dkim.crlf(raw))
        enterprise = await self._enterprise(sender_id) if sender_id is not None else None
        if sender_id is not None and enterprise is None:
            return message  # the sender was removed meanwhile: nobody to sign for
        for address in (from_address, envelope_from):
            name = split_address(address or "")[1] if "@" in (address or "") else ""
            if not name:
                continue
            domain = await self._domain(name)
            if domain is None or not domain.dkim_private_key:
                continue
            if enterprise is not None and domain.enterprise_id != enterprise:
                continue  # another tenant's domain: never its key
            try:
                return await dkim.sign(
                    message, domain.name, domain.dkim_selector, domain.dkim_private_key
                )
            except Exception:  # noqa: BLE001 - unsigned mail still goes out
                log.exception("DKIM signing for %s failed", domain.name)
            break
        return message
