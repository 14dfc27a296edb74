"""The real resolver: dnspython's async stub resolver, on given servers or the system's."""

from __future__ import annotations

import ipaddress

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver

from mailcore.dns import DnsError, DnsErrorCode, MxRecord, SrvRecord, normalize_name

EDNS_PAYLOAD = 1232  # the DNS flag day 2020 size: big DKIM keys fit without TCP


def parse_server(spec: str) -> dns.nameserver.Do53Nameserver:
    """``ip``, ``ip:port``, ``[v6]:port`` or a bare IPv6 address."""
    text = spec.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            port = int(rest.removeprefix(":"))
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text)
    ipaddress.ip_address(host)  # a ValueError names the bad entry
    if not 0 < port < 65536:
        raise ValueError(f"not a port: {port}")
    return dns.nameserver.Do53Nameserver(host, port)


class StubResolver:
    """Asks the configured servers (recursive resolvers); no cache, so answers are fresh."""

    def __init__(self, servers: tuple[str, ...] = (), *, timeout: float = 5.0) -> None:
        self.servers = servers
        self.timeout = timeout
        self._resolver: dns.asyncresolver.Resolver | None = None

    def _get(self) -> dns.asyncresolver.Resolver:
        if self._resolver is None:
            try:
                if self.servers:
                    resolver = dns.asyncresolver.Resolver(configure=False)
                    resolver.nameservers = [parse_server(s) for s in self.servers]
                else:
                    resolver = dns.asyncresolver.Resolver()
            except (ValueError, dns.resolver.NoResolverConfiguration) as exc:
                raise DnsError(DnsErrorCode.NOT_CONFIGURED, f"no usable DNS server: {exc}") from exc
            resolver.use_edns(0, 0, EDNS_PAYLOAD)
            resolver.lifetime = self.timeout
            resolver.timeout = min(self.timeout, 2.0)
            self._resolver = resolver
        return self._resolver

    async def _query(self, name: str, rdtype: str) -> list:
        try:
            qname = dns.name.from_text(normalize_name(name) or ".")
        except dns.exception.DNSException as exc:
            raise DnsError(DnsErrorCode.BAD_NAME, f"not a DNS name: {name!r}", name) from exc
        try:
            answer = await self._get().resolve(
                qname, rdtype, raise_on_no_answer=False, search=False
            )
        except dns.resolver.NXDOMAIN:
            return []
        except dns.exception.Timeout as exc:
            raise DnsError(
                DnsErrorCode.TIMEOUT, f"no DNS answer for {name} {rdtype} in time", name
            ) from exc
        except dns.resolver.NoNameservers as exc:
            raise DnsError(
                DnsErrorCode.FAILURE, f"the DNS servers failed for {name} {rdtype}", name
            ) from exc
        except dns.exception.DNSException as exc:
            raise DnsError(
                DnsErrorCode.FAILURE, f"DNS lookup of {name} failed: {exc}", name
            ) from exc
        if answer.rrset is None:
            return []
        wanted = dns.rdatatype.from_text(rdtype)
        return [rdata for rdata in answer.rrset if rdata.rdtype == wanted]

    async def txt(self, name: str) -> list[str]:
        return [
            b"".join(r.strings).decode("utf-8", "replace") for r in await self._query(name, "TXT")
        ]

    async def mx(self, name: str) -> list[MxRecord]:
        records = [
            MxRecord(r.preference, normalize_name(r.exchange.to_text()))
            for r in await self._query(name, "MX")
        ]
        return sorted(records, key=lambda r: (r.preference, r.exchange))

    async def cname(self, name: str) -> list[str]:
        return [normalize_name(r.target.to_text()) for r in await self._query(name, "CNAME")]

    async def a(self, name: str) -> list[str]:
        return [r.address for r in await self._query(name, "A")]

    async def aaaa(self, name: str) -> list[str]:
        return [r.address for r in await self._query(name, "AAAA")]

    async def srv(self, name: str) -> list[SrvRecord]:
        records = [
            SrvRecord(r.priority, r.weight, r.port, normalize_name(r.target.to_text()))
            for r in await self._query(name, "SRV")
        ]
        return sorted(records, key=lambda r: (r.priority, -r.weight))
