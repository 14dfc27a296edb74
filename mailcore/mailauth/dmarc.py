"""DMARC (RFC 7489): the From domain's policy, SPF/DKIM alignment, the disposition asked for.

The organizational domain comes from the Public Suffix List (publicsuffixlist, bundled).
"""

from __future__ import annotations

import random

from publicsuffixlist import PublicSuffixList

from mailcore.dns import DnsError, Resolver
from mailcore.mailauth.results import AuthResults, Disposition

_psl = PublicSuffixList()


def org_domain(domain: str) -> str:
    return _psl.privatesuffix(domain) or domain


def parse_record(text: str) -> dict[str, str] | None:
    """The tags of a ``v=DMARC1`` record, or None if it is not one."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            tags[key.strip().lower()] = value.strip()
    if tags.get("v") != "DMARC1":
        return None
    return tags


async def _policy(resolver: Resolver, domain: str) -> tuple[dict[str, str] | None, bool]:
    """(record, found at the organizational domain rather than the From domain itself)."""
    for name, at_org in ((domain, False), (org_domain(domain), True)):
        if at_org and name == domain:
            break
        records = [r for r in (await resolver.txt(f"_dmarc.{name}")) if r.startswith("v=DMARC1")]
        if len(records) == 1:
            return parse_record(records[0]), at_org
    return None, False


def aligned(a: str, b: str, strict: bool) -> bool:
    a, b = a.lower(), b.lower()
    return a == b if strict else org_domain(a) == org_domain(b)


async def evaluate(resolver: Resolver, results: AuthResults, from_domain: str) -> None:
    """Fill ``results.dmarc``, ``dmarc_policy`` and ``disposition`` for ``from_domain``."""
    results.header_from = from_domain
    if not from_domain:
        return
    try:
        record, at_org = await _policy(resolver, from_domain)
    except DnsError:
        results.dmarc = "temperror"
        return
    if record is None:
        return
    policy = record.get("p", "none").lower()
    if at_org and "sp" in record:
        policy = record["sp"].lower()
    if policy not in ("none", "quarantine", "reject"):
        results.dmarc = "permerror"
        return
    results.dmarc_policy = policy
    spf_ok = results.spf == "pass" and aligned(
        results.spf_domain, from_domain, record.get("aspf", "r").lower() == "s"
    )
    dkim_ok = any(
        aligned(d, from_domain, record.get("adkim", "r").lower() == "s")
        for d in results.dkim_pass_domains
    )
    if spf_ok or dkim_ok:
        results.dmarc = "pass"
        return
    results.dmarc = "fail"
    try:
        pct = max(0, min(100, int(record.get("pct", "100"))))
    except ValueError:
        pct = 100
    if policy != "none" and random.randrange(100) < pct:  # noqa: S311 - sampling, not security
        results.disposition = Disposition(policy)
