"""The servers mail clients are told about: host, port and security per protocol.

Built from the settings, not from the roles of this process: a node that only serves HTTP
still describes the whole deployment. A ``QIYOU_PUBLIC_*_PORT`` replaces a listener's port
(a load balancer or port redirect in front); port 0 means the endpoint is not offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mailcore.core.config import Settings


class Protocol(StrEnum):
    IMAP = "IMAP"
    POP3 = "POP3"
    SMTP = "SMTP"  # submission


class Security(StrEnum):
    SSL = "SSL"  # implicit TLS from the first byte (993, 995, 465)
    STARTTLS = "STARTTLS"  # plain connect, then STARTTLS / STLS (143, 110, 587)


@dataclass(frozen=True)
class Endpoint:
    protocol: Protocol
    security: Security
    port: int
    service: str  # the RFC 6186 / RFC 8314 SRV service label, e.g. "_imaps"


@dataclass(frozen=True)
class ClientSetup:
    """What a client needs besides the address and password. ``endpoints`` lists, per
    protocol, implicit TLS before STARTTLS (RFC 8314 prefers it)."""

    host: str
    endpoints: tuple[Endpoint, ...]

    def of(self, protocol: Protocol) -> list[Endpoint]:
        return [e for e in self.endpoints if e.protocol is protocol]

    def preferred(self, protocol: Protocol) -> Endpoint | None:
        found = self.of(protocol)
        return found[0] if found else None


def _port(public: int | None, listening: int) -> int:
    return listening if public is None else public


def client_setup(settings: Settings) -> ClientSetup:
    """The advertised endpoints of the deployment ``settings`` describe."""
    s = settings
    candidates = [
        (Protocol.IMAP, Security.SSL, _port(s.public_imaps_port, s.imaps_port), "_imaps"),
        (Protocol.IMAP, Security.STARTTLS, _port(s.public_imap_port, s.imap_port), "_imap"),
        (Protocol.POP3, Security.SSL, _port(s.public_pop3s_port, s.pop3s_port), "_pop3s"),
        (Protocol.POP3, Security.STARTTLS, _port(s.public_pop3_port, s.pop3_port), "_pop3"),
        (
            Protocol.SMTP,
            Security.SSL,
            _port(s.public_submissions_port, s.submissions_port),
            "_submissions",
        ),
        (
            Protocol.SMTP,
            Security.STARTTLS,
            _port(s.public_submission_port, s.submission_port),
            "_submission",
        ),
    ]
    host = (s.public_mail_host or s.hostname).lower()
    return ClientSetup(host, tuple(Endpoint(*c) for c in candidates if c[2] > 0))


def for_member(setup: ClientSetup, *, imap: bool, pop3: bool) -> ClientSetup:
    """Only what a member may use: IMAP and POP3 by their switches (``Member.imap_enabled``,
    ``pop_enabled``), submission with either (docs/login.md)."""
    allowed = {Protocol.IMAP: imap, Protocol.POP3: pop3, Protocol.SMTP: imap or pop3}
    return ClientSetup(setup.host, tuple(e for e in setup.endpoints if allowed[e.protocol]))
