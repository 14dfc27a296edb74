"""What a migration starts from: the old server's URL and the members' list.

The URL is ``imap://host[:143]`` (STARTTLS when the server offers it is not assumed: plain),
``imaps://host[:993]``, ``pop3://host[:110]`` or ``pop3s://host[:995]``; a ``+starttls``
scheme suffix (``imap+starttls://``) upgrades a plain port. The list is CSV or XLSX with
three columns: old address, old password (blank with a master user), new address (a first
row without an address in it is a header, skipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from mailcore.core.models import ExternalProtocol, ExternalSecurity
from mailcore.directory.tablefile import TableError, csv_rows, xlsx_rows
from mailcore.fetch.service import HOST_NAME
from mailcore.migration.errors import invalid

MAX_MEMBERS = 5000  # rows of one migration
SCHEMES = {
    "imap": (ExternalProtocol.IMAP, ExternalSecurity.NONE, 143),
    "imap+starttls": (ExternalProtocol.IMAP, ExternalSecurity.STARTTLS, 143),
    "imaps": (ExternalProtocol.IMAP, ExternalSecurity.TLS, 993),
    "pop3": (ExternalProtocol.POP3, ExternalSecurity.NONE, 110),
    "pop3+starttls": (ExternalProtocol.POP3, ExternalSecurity.STARTTLS, 110),
    "pop3s": (ExternalProtocol.POP3, ExternalSecurity.TLS, 995),
}


@dataclass(frozen=True)
class Source:
    protocol: ExternalProtocol
    security: ExternalSecurity
    host: str
    port: int

    @property
    def url(self) -> str:
        scheme = next(k for k, v in SCHEMES.items() if v[:2] == (self.protocol, self.security))
        return f"{scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class MemberLine:
    old_address: str
    old_password: str
    new_address: str


def parse_source(url: str) -> Source:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise invalid("the source is not a valid URL", "source") from None
    if parts.scheme.lower() not in SCHEMES:
        raise invalid(f"the source is one of {', '.join(s + '://' for s in SCHEMES)}", "source")
    protocol, security, default_port = SCHEMES[parts.scheme.lower()]
    host = (parts.hostname or "").lower()
    if not host or len(host) > 255 or not HOST_NAME.match(host):
        raise invalid("the source's host name is not valid", "source")
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query:
        raise invalid("the source is only scheme://host:port", "source")
    return Source(protocol, security, host, port or default_port)


def clean_line(line: MemberLine, field: str, master: bool = False) -> MemberLine:
    """The line trimmed and checked; with a master user the old password may be blank."""
    old, new = line.old_address.strip(), line.new_address.strip().lower()
    if not old or len(old) > 320 or any(c in old for c in "\r\n"):
        raise invalid("the old address needs 1 to 320 characters", f"{field}.oldAddress")
    password = line.old_password
    if (not password and not master) or len(password) > 1000 or "\n" in password:
        raise invalid("the old password needs 1 to 1000 characters", f"{field}.oldPassword")
    if "@" not in new or len(new) > 320:
        raise invalid("the new address is not an address", f"{field}.newAddress")
    return MemberLine(old, line.old_password, new)


def read_members(data: bytes, filename: str = "") -> list[MemberLine]:
    """The rows of a CSV or XLSX file (blank rows and a header row skipped)."""
    is_xlsx = data.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xlsm"))
    try:
        rows = xlsx_rows(data, MAX_MEMBERS + 1) if is_xlsx else csv_rows(data)
    except TableError as exc:
        raise invalid(str(exc), "members") from None
    lines = []
    for number, cells in enumerate(rows, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if number == 1 and not any("@" in c for c in cells):  # a header row
            continue
        if len(cells) < 3:
            raise invalid(f"row {number}: old address, old password, new address", "members")
        lines.append(MemberLine(cells[0], cells[1], cells[2]))
    if len(lines) > MAX_MEMBERS:
        raise invalid(f"at most {MAX_MEMBERS} members in one migration", "members")
    return lines
