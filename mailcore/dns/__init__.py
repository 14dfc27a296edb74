"""DNS lookups behind one small interface, for domain verification and mail checks.

``Resolver`` is what the rest of Qiyou depends on; ``open_resolver`` builds the real one
(dnspython's async stub resolver, see ``mailcore.dns.resolver``) from settings. A name that
does not exist (NXDOMAIN) or has no records of the type asked for gives an empty answer;
anything that prevents an answer (timeout, SERVFAIL, no usable server) raises ``DnsError``.
Names are returned lowercase, without the trailing dot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mailcore.core.config import Settings


class DnsErrorCode(StrEnum):
    TIMEOUT = "TIMEOUT"  # no server answered in time
    FAILURE = "FAILURE"  # every server failed (SERVFAIL, REFUSED, malformed answers)
    BAD_NAME = "BAD_NAME"  # not a name that can be looked up
    NOT_CONFIGURED = "NOT_CONFIGURED"  # no usable name server (settings or system)


class DnsError(Exception):
    def __init__(self, code: DnsErrorCode, message: str, name: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.name = name


@dataclass(frozen=True)
class MxRecord:
    preference: int
    exchange: str


@dataclass(frozen=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str


class Resolver(Protocol):
    async def txt(self, name: str) -> list[str]:
        """TXT records, each record's strings joined (RFC 7208 3.3)."""

    async def mx(self, name: str) -> list[MxRecord]: ...

    async def cname(self, name: str) -> list[str]: ...

    async def a(self, name: str) -> list[str]: ...

    async def aaaa(self, name: str) -> list[str]: ...

    async def srv(self, name: str) -> list[SrvRecord]: ...


_resolvers: dict[tuple[tuple[str, ...], float], Resolver] = {}


def open_resolver(settings: Settings) -> Resolver:
    """The resolver configured by ``QIYOU_DNS_SERVERS`` / ``QIYOU_DNS_TIMEOUT`` (shared)."""
    from mailcore.dns.resolver import StubResolver

    key = (settings.dns_servers, settings.dns_timeout)
    if key not in _resolvers:
        _resolvers[key] = StubResolver(settings.dns_servers, timeout=settings.dns_timeout)
    return _resolvers[key]


def normalize_name(name: str) -> str:
    return name.strip().rstrip(".").lower()
