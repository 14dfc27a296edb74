"""The DNS records a hosted domain needs, generated from its name, DKIM key, our hostname and
the mail-client endpoints that are on (``mailcore/clients/endpoints.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mailcore.clients.endpoints import ClientSetup, Protocol, Security
from mailcore.domains.dkim import record_value

MX_PRIORITY = 10
_SERVER = {
    (Protocol.IMAP, Security.SSL): "the IMAP server, implicit TLS",
    (Protocol.IMAP, Security.STARTTLS): "the IMAP server, STARTTLS",
    (Protocol.POP3, Security.SSL): "the POP3 server, implicit TLS",
    (Protocol.POP3, Security.STARTTLS): "the POP3 server, STLS",
    (Protocol.SMTP, Security.SSL): "the sending server, implicit TLS",
    (Protocol.SMTP, Security.STARTTLS): "the sending server, STARTTLS",
}


class RecordStatus(StrEnum):
    UNKNOWN = "UNKNOWN"  # not checked yet, or the lookup failed
    OK = "OK"
    MISSING = "MISSING"
    WRONG = "WRONG"


@dataclass(frozen=True)
class DnsRecord:
    """One record to set. ``value`` is the record data as entered at a DNS provider; for MX
    the preference is in ``priority``. ``required`` records decide whether the domain is
    verified; the others are setup hints for mail clients."""

    key: str
    type: str
    name: str
    value: str
    purpose: str
    required: bool
    priority: int | None = None


def spf_value(hostname: str, includes: tuple[str, ...] = ()) -> str:
    extra = "".join(f" include:{i}" for i in includes)
    return f"v=spf1 mx a:{hostname}{extra} ~all"


def dmarc_value(domain: str) -> str:
    return f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain}"


def srv_records(domain: str, setup: ClientSetup) -> list[DnsRecord]:
    """RFC 6186 / RFC 8314 SRV records for the advertised endpoints only (none for a port
    that is off); keys are the service names, e.g. IMAPS for ``_imaps._tcp``."""
    return [
        DnsRecord(
            e.service.lstrip("_").upper(),
            "SRV",
            f"{e.service}._tcp.{domain}",
            f"0 1 {e.port} {setup.host}",
            f"Mail client setup: {_SERVER[e.protocol, e.security]} (RFC 6186)",
            False,
        )
        for e in setup.endpoints
    ]


def expected_records(
    domain: str, *, hostname: str, selector: str, public_key: str, clients: ClientSetup
) -> list[DnsRecord]:
    return [
        DnsRecord(
            "MX", "MX", domain, hostname, "Deliver mail for the domain to Qiyou", True, MX_PRIORITY
        ),
        DnsRecord(
            "SPF",
            "TXT",
            domain,
            spf_value(hostname),
            "SPF: allow Qiyou to send mail as the domain",
            True,
        ),
        DnsRecord(
            "DKIM",
            "TXT",
            f"{selector}._domainkey.{domain}",
            record_value(public_key),
            "DKIM: the public key receivers check Qiyou's signatures with",
            True,
        ),
        DnsRecord(
            "DMARC",
            "TXT",
            f"_dmarc.{domain}",
            dmarc_value(domain),
            "DMARC: what receivers do with mail failing SPF and DKIM, and where to report",
            True,
        ),
        DnsRecord(
            "AUTOCONFIG",
            "CNAME",
            f"autoconfig.{domain}",
            hostname,
            "Mail client setup (Thunderbird autoconfig)",
            False,
        ),
        DnsRecord(
            "AUTODISCOVER",
            "CNAME",
            f"autodiscover.{domain}",
            hostname,
            "Mail client setup (Outlook autodiscover)",
            False,
        ),
        *srv_records(domain, clients),
    ]
