"""Where a recipient domain's mail goes: its MX hosts (RFC 5321 5.1) with the A/AAAA
fallback of a domain without MX, or the configured relay."""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.delivery.relay import Relay, TlsMode
from mailcore.dns import DnsError, Resolver
from mailcore.org.addresses import ascii_domain

MAX_MX_HOSTS = 5
MAX_ADDRESSES = 2  # per host


@dataclass(frozen=True)
class Target:
    host: str  # the name, for logs and the delivery record
    address: str  # what to connect to
    port: int
    tls: str = TlsMode.OPPORTUNISTIC
    username: str = ""
    password: str = ""
    verify: bool = False


class RouteError(Exception):
    """No target: ``permanent`` (null MX) or temporary (DNS failure, no host found yet)."""

    def __init__(self, reply: str, *, permanent: bool, no_host: bool = False) -> None:
        super().__init__(reply)
        self.reply = reply
        self.permanent = permanent
        self.no_host = no_host


def relay_targets(relay: Relay) -> list[Target]:
    return [
        Target(
            relay.host,
            relay.host,
            relay.port,
            relay.tls,
            relay.username,
            relay.password,
            relay.verify,
        )
    ]


async def mx_targets(resolver: Resolver, domain: str, port: int) -> list[Target]:
    domain = ascii_domain(domain)  # DNS knows IDN domains by their A-labels
    try:
        records = await resolver.mx(domain)
    except DnsError as exc:
        raise RouteError(
            f"451 4.4.3 DNS lookup of {domain} MX failed: {exc.message}", permanent=False
        ) from exc
    if len(records) == 1 and records[0].exchange in ("", "."):
        raise RouteError(f"556 5.1.10 {domain} does not accept mail (null MX)", permanent=True)
    names = [r.exchange for r in records if r.exchange not in ("", ".")] or [domain]
    targets: list[Target] = []
    failures = 0
    for name in names[:MAX_MX_HOSTS]:
        found: list[str] = []
        for lookup in (resolver.a, resolver.aaaa):
            try:
                found += await lookup(name)
            except DnsError:
                failures += 1
        targets += [Target(name, address, port) for address in found[:MAX_ADDRESSES]]
    if not targets:
        if failures:
            raise RouteError(
                f"451 4.4.3 DNS lookup of the mail hosts of {domain} failed", permanent=False
            )
        raise RouteError(f"550 5.1.2 {domain} has no mail host", permanent=False, no_host=True)
    return targets
