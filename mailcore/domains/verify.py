"""Checking the records a domain publishes against the ones it needs, through a ``Resolver``.

Each check gives a status and a reason a person can act on, with a ``ReasonCode`` beside the
English sentence so a client can say it in the reader's language. A lookup that fails (timeout,
SERVFAIL) leaves the record UNKNOWN with the failure as the reason; a name that does not
exist or has no such records is MISSING.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from mailcore.dns import DnsError, Resolver, normalize_name
from mailcore.domains.records import DnsRecord, RecordStatus


class ReasonCode(StrEnum):
    """What a check found, as a code (the reason's words are English)."""

    NOT_CHECKED = "NOT_CHECKED"
    LOOKUP_FAILED = "LOOKUP_FAILED"
    MX_OK = "MX_OK"
    MX_MISSING = "MX_MISSING"
    MX_WRONG = "MX_WRONG"
    SPF_OK = "SPF_OK"
    SPF_MISSING = "SPF_MISSING"
    SPF_DUPLICATE = "SPF_DUPLICATE"
    SPF_WRONG = "SPF_WRONG"
    DKIM_OK = "DKIM_OK"
    DKIM_MISSING = "DKIM_MISSING"
    DKIM_REVOKED = "DKIM_REVOKED"
    DKIM_WRONG = "DKIM_WRONG"
    DMARC_OK = "DMARC_OK"
    DMARC_MONITORING = "DMARC_MONITORING"  # p=none
    DMARC_MISSING = "DMARC_MISSING"
    DMARC_DUPLICATE = "DMARC_DUPLICATE"
    DMARC_NO_POLICY = "DMARC_NO_POLICY"
    CNAME_OK = "CNAME_OK"
    CNAME_MISSING = "CNAME_MISSING"
    CNAME_WRONG = "CNAME_WRONG"
    SRV_OK = "SRV_OK"
    SRV_MISSING = "SRV_MISSING"
    SRV_WRONG = "SRV_WRONG"


@dataclass(frozen=True)
class Check:
    status: RecordStatus
    reason: str
    failed_lookup: bool = False
    code: ReasonCode = ReasonCode.LOOKUP_FAILED


def _ok(code: ReasonCode, reason: str) -> Check:
    return Check(RecordStatus.OK, reason, code=code)


def _missing(code: ReasonCode, reason: str) -> Check:
    return Check(RecordStatus.MISSING, reason, code=code)


def _wrong(code: ReasonCode, reason: str) -> Check:
    return Check(RecordStatus.WRONG, reason, code=code)


def tags(record: str) -> dict[str, str]:
    """``k=v; k=v`` tag lists (DKIM, DMARC); whitespace inside values is dropped."""
    found: dict[str, str] = {}
    for part in record.split(";"):
        name, eq, value = part.partition("=")
        if eq:
            found.setdefault(name.strip().lower(), "".join(value.split()))
    return found


async def _mx(resolver: Resolver, record: DnsRecord, hostname: str) -> Check:
    found = await resolver.mx(record.name)
    if not found:
        return _missing(ReasonCode.MX_MISSING, f"{record.name} has no MX record")
    if any(mx.exchange == hostname for mx in found):
        return _ok(ReasonCode.MX_OK, f"mail for {record.name} is delivered to {hostname}")
    names = ", ".join(mx.exchange for mx in found)
    return _wrong(ReasonCode.MX_WRONG, f"MX points to {names}, not to {hostname}")


def _spf_authorizes(term: str, domain: str, hostname: str) -> bool:
    qualifier = term[0] if term[:1] in "+-~?" else "+"
    mechanism = term[1:] if term[:1] in "+-~?" else term
    if qualifier != "+":
        return False
    name, _, argument = mechanism.partition(":")
    argument = normalize_name(argument.split("/")[0])
    if name == "mx" and argument in ("", domain):
        return True  # the domain's MX hosts: Qiyou once the MX record is set
    return name in ("mx", "a", "include", "exists") and argument == hostname


async def _spf(resolver: Resolver, record: DnsRecord, hostname: str) -> Check:
    spf = [t for t in await resolver.txt(record.name) if t.lower().split()[:1] == ["v=spf1"]]
    if not spf:
        return _missing(ReasonCode.SPF_MISSING, f"{record.name} has no SPF (v=spf1) TXT record")
    if len(spf) > 1:
        return _wrong(
            ReasonCode.SPF_DUPLICATE,
            "there is more than one SPF record, which is an error (RFC 7208): merge them",
        )
    terms = spf[0].lower().split()[1:]
    if any(_spf_authorizes(t, record.name, hostname) for t in terms):
        how = "its MX hosts" if any(t.lstrip("+") == "mx" for t in terms) else hostname
        return _ok(ReasonCode.SPF_OK, f"SPF allows {how} to send mail as {record.name}")
    return _wrong(
        ReasonCode.SPF_WRONG,
        f"SPF does not allow {hostname} to send: add 'mx' or 'a:{hostname}' to it",
    )


def _dkim(public_key: str) -> Callable[[Resolver, DnsRecord, str], Awaitable[Check]]:
    async def check(resolver: Resolver, record: DnsRecord, hostname: str) -> Check:
        keys = [tags(t) for t in await resolver.txt(record.name)]
        keys = [k for k in keys if "p" in k]
        if not keys:
            return _missing(ReasonCode.DKIM_MISSING, f"{record.name} has no DKIM key record")
        if any(k["p"] == public_key and k.get("k", "rsa") == "rsa" for k in keys):
            return _ok(ReasonCode.DKIM_OK, "the published DKIM key is this domain's key")
        if all(k["p"] == "" for k in keys):
            return _wrong(ReasonCode.DKIM_REVOKED, "the published DKIM key is revoked (empty p=)")
        return _wrong(
            ReasonCode.DKIM_WRONG, "the published DKIM key is not this domain's current key"
        )

    return check


async def _dmarc(resolver: Resolver, record: DnsRecord, hostname: str) -> Check:
    found = [tags(t) for t in await resolver.txt(record.name)]
    found = [t for t in found if t.get("v", "").lower() == "dmarc1"]
    if not found:
        return _missing(ReasonCode.DMARC_MISSING, f"{record.name} has no DMARC (v=DMARC1) record")
    if len(found) > 1:
        return _wrong(
            ReasonCode.DMARC_DUPLICATE,
            "there is more than one DMARC record: receivers ignore them all",
        )
    policy = found[0].get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        return _wrong(
            ReasonCode.DMARC_NO_POLICY,
            "the DMARC record has no valid policy (p=none, quarantine or reject)",
        )
    if policy == "none":
        return _ok(ReasonCode.DMARC_MONITORING, "DMARC policy is none (monitoring only)")
    return _ok(ReasonCode.DMARC_OK, f"DMARC policy is {policy}")


async def _cname(resolver: Resolver, record: DnsRecord, hostname: str) -> Check:
    targets = await resolver.cname(record.name)
    if not targets:
        return _missing(ReasonCode.CNAME_MISSING, f"{record.name} has no CNAME record")
    if hostname in targets:
        return _ok(ReasonCode.CNAME_OK, f"{record.name} points to {hostname}")
    return _wrong(
        ReasonCode.CNAME_WRONG,
        f"{record.name} points to {', '.join(targets)}, not to {hostname}",
    )


async def _srv(resolver: Resolver, record: DnsRecord, hostname: str) -> Check:
    found = await resolver.srv(record.name)
    if not found:
        return _missing(ReasonCode.SRV_MISSING, f"{record.name} has no SRV record")
    _, _, port_text, target = record.value.split()
    port, target = int(port_text), normalize_name(target)  # the advertised mail host
    if any(r.target == target and r.port == port for r in found):
        return _ok(ReasonCode.SRV_OK, f"{record.name} points to {target} port {port}")
    where = ", ".join(f"{r.target}:{r.port}" for r in found)
    return _wrong(ReasonCode.SRV_WRONG, f"{record.name} points to {where}, not to {target}:{port}")


async def check_record(
    resolver: Resolver, record: DnsRecord, *, hostname: str, public_key: str
) -> Check:
    checks = {
        "MX": _mx,
        "SPF": _spf,
        "DKIM": _dkim(public_key),
        "DMARC": _dmarc,
    }
    check = checks.get(record.key) or (_cname if record.type == "CNAME" else _srv)
    try:
        return await check(resolver, record, normalize_name(hostname))
    except DnsError as exc:
        return Check(RecordStatus.UNKNOWN, f"DNS lookup failed: {exc.message}", True)


async def check_records(
    resolver: Resolver, records: list[DnsRecord], *, hostname: str, public_key: str
) -> list[Check]:
    """The checks of ``records`` in the same order, looked up concurrently."""
    return list(
        await asyncio.gather(
            *(check_record(resolver, r, hostname=hostname, public_key=public_key) for r in records)
        )
    )
