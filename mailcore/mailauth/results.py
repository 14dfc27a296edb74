"""The outcome of the inbound checks and its ``Authentication-Results`` header (RFC 8601)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Disposition(StrEnum):
    NONE = "none"
    QUARANTINE = "quarantine"
    REJECT = "reject"


@dataclass(frozen=True)
class DkimResult:
    result: str  # pass, fail, neutral, temperror, permerror
    domain: str
    selector: str
    b: str = ""  # the first characters of the signature, to tell signatures apart


@dataclass
class AuthResults:
    spf: str = "none"  # pass, fail, softfail, neutral, none, temperror, permerror
    spf_domain: str = ""  # the domain SPF was checked for (MAIL FROM or HELO)
    mail_from: str = ""
    helo: str = ""
    dkim: list[DkimResult] = field(default_factory=list)
    dmarc: str = "none"  # pass, fail, none, temperror, permerror
    dmarc_policy: str = ""  # the policy published (none, quarantine, reject)
    disposition: Disposition = Disposition.NONE  # what the policy asks us to do
    header_from: str = ""  # the RFC5322.From domain

    def header(self, authserv_id: str) -> str:
        """The ``Authentication-Results:`` header line (folded, CRLF-terminated)."""
        parts = [f"spf={self.spf}"]
        if self.mail_from:
            parts[-1] += f" smtp.mailfrom={_value(self.mail_from)}"
        elif self.helo:
            parts[-1] += f" smtp.helo={_value(self.helo)}"
        if self.dkim:
            for sig in self.dkim:
                parts.append(
                    f"dkim={sig.result} header.d={_value(sig.domain)}"
                    + f" header.s={_value(sig.selector)}"
                    + (f" header.b={_value(sig.b)}" if sig.b else "")
                )
        else:
            parts.append("dkim=none")
        dmarc = f"dmarc={self.dmarc}"
        if self.dmarc_policy:
            dmarc += f" (p={self.dmarc_policy} dis={self.disposition.value})"
        if self.header_from:
            dmarc += f" header.from={_value(self.header_from)}"
        parts.append(dmarc)
        return f"Authentication-Results: {authserv_id};\r\n\t" + ";\r\n\t".join(parts) + "\r\n"

    @property
    def dkim_pass_domains(self) -> list[str]:
        return [s.domain for s in self.dkim if s.result == "pass"]


def _value(text: str) -> str:
    """A header value token: quoted when it has characters outside a plain token."""
    clean = "".join(c for c in text if c.isprintable() and c not in '"\\')[:255]
    if clean and all(c.isalnum() or c in "-._@+=/" for c in clean):
        return clean
    return f'"{clean}"'
