"""The DNS records a hosted domain needs, generated from its name, DKIM key and our hostname."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mailcore.domains.dkim import record_value

MX_PRIORITY = 10
IMAPS_PORT = 993


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


def expected_records(
    domain: str, *, hostname: str, selector: str, public_key: str, submission_port: int
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
        DnsRecord(
            "SUBMISSION",
            "SRV",
            f"_submission._tcp.{domain}",
            f"0 1 {submission_port} {hostname}",
            "Mail client setup: the sending server (RFC 6186)",
            False,
        ),
        DnsRecord(
            "IMAPS",
            "SRV",
            f"_imaps._tcp.{domain}",
            f"0 1 {IMAPS_PORT} {hostname}",
            "Mail client setup: the IMAP server (RFC 6186)",
            False,
        ),
    ]
