"""DKIM (RFC 6376) with dkimpy: sign outbound mail at delivery time, verify inbound mail.

Verification looks the selectors' keys up through our resolver first (async), then runs
dkimpy in a worker thread with those answers, so no lookup leaves the injected resolver.
"""

from __future__ import annotations

import asyncio
import re

import dkim
from dkim.util import parse_tag_value

from mailcore.dns import DnsError, Resolver
from mailcore.mailauth.results import DkimResult

MAX_SIGNATURES = 5
SIGNED_HEADERS = [
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"reply-to",
    b"in-reply-to", b"references", b"mime-version", b"content-type",
    b"content-transfer-encoding",
]  # fmt: skip
_LINE_END = re.compile(rb"\r?\n")


def crlf(raw: bytes) -> bytes:
    """The message with CRLF line ends, as it goes over SMTP (and as it is signed)."""
    return _LINE_END.sub(b"\r\n", raw)


def _sign(raw: bytes, domain: str, selector: str, private_pem: str) -> bytes:
    return dkim.sign(
        raw,
        selector.encode("ascii"),
        domain.encode("ascii"),
        private_pem.encode("ascii"),
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=SIGNED_HEADERS,
    )


async def sign(raw: bytes, domain: str, selector: str, private_pem: str) -> bytes:
    """``raw`` (CRLF) with a ``DKIM-Signature`` header prepended."""
    message = crlf(raw)
    header = await asyncio.to_thread(_sign, message, domain, selector, private_pem)
    return header + message


def _signatures(raw: bytes) -> list[tuple[str, str, str]]:
    """(domain, selector, b prefix) of each DKIM-Signature in the header block."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    found = []
    for match in re.finditer(rb"(?im)^dkim-signature:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head):
        try:
            tags = parse_tag_value(re.sub(rb"\r\n[ \t]", b" ", match.group(1)).strip())
        except Exception:  # noqa: BLE001 - a malformed signature just fails verification
            tags = {}
        found.append(
            (
                tags.get(b"d", b"").decode("ascii", "replace").lower(),
                tags.get(b"s", b"").decode("ascii", "replace"),
                re.sub(rb"\s", b"", tags.get(b"b", b""))[:8].decode("ascii", "replace"),
            )
        )
    return found[:MAX_SIGNATURES]


async def verify(raw: bytes, resolver: Resolver) -> list[DkimResult]:
    """One result per DKIM-Signature (an empty list: the mail is not signed)."""
    head = re.split(rb"\r?\n\r?\n", raw[:262144], maxsplit=1)[0]
    if b"dkim-signature" not in head.lower():
        return []  # not signed: skip normalizing the whole message on the event loop
    message = crlf(raw)
    signatures = _signatures(message)
    if not signatures:
        return []
    keys: dict[str, bytes | None] = {}
    failed: set[str] = set()
    for domain, selector, _ in signatures:
        name = f"{selector}._domainkey.{domain}"
        if not domain or not selector or name in keys:
            continue
        try:
            records = await resolver.txt(name)
        except DnsError:
            failed.add(name)
            records = []
        keys[name] = records[0].encode("ascii", "replace") if records else None

    def lookup(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        return keys.get(text.rstrip(".").lower())

    def run() -> list[DkimResult]:
        checker = dkim.DKIM(message, minkey=1024)
        results = []
        for index, (domain, selector, b) in enumerate(signatures):
            if f"{selector}._domainkey.{domain}" in failed:
                results.append(DkimResult("temperror", domain, selector, b))
                continue
            try:
                ok = checker.verify(idx=index, dnsfunc=lookup)
            except dkim.DKIMException:
                ok = False
            except Exception:  # noqa: BLE001 - whatever a hostile signature does, it fails
                ok = False
            results.append(DkimResult("pass" if ok else "fail", domain, selector, b))
        return results

    return await asyncio.to_thread(run)
