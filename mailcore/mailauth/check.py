"""The inbound checks in one call: SPF for the connecting IP, DKIM signatures, then DMARC."""

from __future__ import annotations

import asyncio
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from mailcore.core.mime.structure import split_headers
from mailcore.dns import Resolver
from mailcore.mailauth import dkim, dmarc
from mailcore.mailauth.results import AuthResults
from mailcore.mailauth.spf import check_spf


def from_address(raw: bytes) -> str:
    """The RFC5322.From address; empty when there is not exactly one."""
    _, body = split_headers(raw, 0, min(len(raw), 65536))
    headers = BytesHeaderParser().parsebytes(raw[:body])  # the header block only
    values = headers.get_all("from", [])
    addresses = [a for _, a in getaddresses([str(v) for v in values]) if a]
    return addresses[0] if len(addresses) == 1 else ""


def domain_of(address: str) -> str:
    if "@" not in address:
        return ""
    return address.rpartition("@")[2].strip().rstrip(".").lower()


async def check_inbound(
    resolver: Resolver,
    raw: bytes,
    *,
    ip: str,
    helo: str,
    mail_from: str,
    author: str | None = None,
) -> AuthResults:
    """SPF, DKIM, then DMARC for the From domain (``author``: the From address, if the
    caller has it already)."""
    results = AuthResults(mail_from=mail_from, helo=helo)
    (spf_result, spf_domain), signatures = await asyncio.gather(
        check_spf(resolver, ip, mail_from, helo), dkim.verify(raw, resolver)
    )
    results.spf, results.spf_domain, results.dkim = spf_result, spf_domain, signatures
    author = from_address(raw) if author is None else author
    await dmarc.evaluate(resolver, results, domain_of(author))
    return results


def strip_forged(raw: bytes, authserv_id: str) -> bytes:
    """Remove ``Authentication-Results`` headers that claim to be ours (RFC 8601 5)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    if not sep:
        return raw
    newline = b"\r\n" if sep == b"\r\n\r\n" else b"\n"
    lines = head.split(newline)
    kept: list[bytes] = []
    dropping = False
    ours = authserv_id.lower().encode("ascii", "replace")
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        name, _, value = line.partition(b":")
        dropping = (
            name.strip().lower() == b"authentication-results"
            and value.strip().lower().split(b";")[0].strip() == ours
        )
        if not dropping:
            kept.append(line)
    return newline.join(kept) + sep + body
