"""PROXY protocol (v1 and v2) from trusted load balancers: who may send a header, and the
client address it names.

Behind a TCP load balancer every connection comes from the balancer. With
``QIYOU_PROXY_PROTOCOL_FROM`` (addresses and CIDR networks) a connection *from one of them*
must begin with a PROXY header (HAProxy's specification, v2 binary or v1 text), and the
client address in it replaces the peer address for everything that follows (SPF, IP
rules, connection limits per address, the Received header, logs). A connection from any
other address is a plain client: a PROXY header from it is not believed (to SMTP it is an
unknown command). The header is parsed by aiosmtpd's ``proxy_protocol`` module.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from aiosmtpd.proxy_protocol import AF, V2_CMD, ProxyData

HEADER_TIMEOUT = 5.0  # seconds a trusted peer has to send its whole PROXY header

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxyTrust:
    """The addresses whose PROXY headers are believed (and required)."""

    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks = tuple(networks)

    @classmethod
    def parse(cls, entries: Iterable[str]) -> ProxyTrust:
        """``["10.0.0.5", "192.168.0.0/24", "::1"]``; ValueError naming a bad entry."""
        networks = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(
                    f"QIYOU_PROXY_PROTOCOL_FROM: {entry!r} is not an address or a network"
                ) from exc
        return cls(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, ip: str) -> bool:
        if not self.networks or not ip:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


def claimed_peer(data: ProxyData) -> tuple[str, int] | None:
    """The client (address, port) a valid header names; None when it names none (a v2
    LOCAL command: the balancer's own health check; v1 UNKNOWN; a non-IP family)."""
    if data.version == 2 and data.command != V2_CMD.PROXY:
        return None
    if data.family not in (AF.INET, AF.INET6) or data.src_addr is None:
        return None
    address: Any = data.src_addr
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address), int(data.src_port or 0)
