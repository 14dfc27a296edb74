"""The smarthost setting: ``smtp://host:port``, ``smtp+starttls://user:pass@host:587``,
``smtps://user:pass@host:465``; ``?verify=no`` accepts any certificate (a private relay)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlparse


class TlsMode:
    OPPORTUNISTIC = "opportunistic"  # STARTTLS when offered, certificate not verified
    STARTTLS = "starttls"  # STARTTLS required
    TLS = "tls"  # TLS from the first byte (port 465)
    PLAIN = "plain"  # no TLS (after a failed opportunistic STARTTLS)


@dataclass(frozen=True)
class Relay:
    host: str
    port: int
    tls: str
    username: str = ""
    password: str = ""
    verify: bool = True


_SCHEMES = {
    "smtp": (TlsMode.OPPORTUNISTIC, 25),
    "smtp+starttls": (TlsMode.STARTTLS, 587),
    "smtps": (TlsMode.TLS, 465),
}


def parse_relay(url: str) -> Relay:
    parsed = urlparse(url.strip())
    if parsed.scheme not in _SCHEMES or not parsed.hostname:
        raise ValueError(
            "QIYOU_RELAY_URL must look like smtp://host:port, smtp+starttls://user:pass@host:587"
            " or smtps://user:pass@host:465"
        )
    mode, default_port = _SCHEMES[parsed.scheme]
    verify = parse_qs(parsed.query).get("verify", ["yes"])[0].lower() not in ("no", "0", "false")
    return Relay(
        host=parsed.hostname,
        port=parsed.port or default_port,
        tls=mode,
        username=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
        verify=verify and mode != TlsMode.OPPORTUNISTIC,
    )
