"""PROXY protocol (v1 and v2) from trusted load balancers: who may send a header, and the
client address it names.

Behind a TCP load balancer every connection comes from the balancer. With
``QIYOU_PROXY_PROTOCOL_FROM`` (addresses and CIDR networks) a connection *from one of them*
must begin with a PROXY header (HAProxy's specification, v2 binary or v1 text), and the
client address in it replaces the peer address for everything that follows (SPF, IP
rules, connection limits per address, the Received header, logs). A connection from any
other address is a plain client: a PROXY header from it is not believed (to SMTP it is an
unknown command). The header is parsed by aiosmtpd's ``proxy_protocol`` module.

On an implicit-TLS port (465, 993, 995) the balancer passes TLS through, so the header comes
before the handshake: such a port listens in the clear once proxies are configured and the
server starts TLS itself, after the header (or at once for other peers). A balancer often
sends the client's first TLS bytes with the header; ``start_tls`` hands the TLS layer what
was read past the header. ``stream_client`` does all of it for the asyncio stream servers
(IMAP, POP3); SMTP does it in aiosmtpd's protocol (mailcore/protocols/smtp/protocol.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import ssl
from asyncio import sslproto
from collections.abc import Iterable
from typing import Any

from aiosmtpd.proxy_protocol import AF, V2_CMD, ProxyData, get_proxy

from mailcore.core.net.limits import peer_ip

log = logging.getLogger(__name__)

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


def feed(tls: sslproto.SSLProtocol, early: bytes) -> None:
    """Give a new TLS layer the bytes that came before it was in place."""
    view = memoryview(early)
    while view:
        buffer = tls.get_buffer(len(view))
        size = min(len(buffer), len(view))
        buffer[:size] = view[:size]
        tls.buffer_updated(size)
        view = view[size:]


async def start_tls(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    context: ssl.SSLContext,
    timeout: float,
) -> None:
    """``writer.start_tls`` (server side) that keeps the bytes already read: asyncio's own
    drops what the reader holds, here the start of the client's handshake."""
    loop = asyncio.get_running_loop()
    early = bytes(reader._buffer)  # type: ignore[attr-defined]
    reader._buffer.clear()  # type: ignore[attr-defined]
    protocol: Any = writer._protocol  # type: ignore[attr-defined]
    transport: Any = writer.transport
    waiter = loop.create_future()
    tls = sslproto.SSLProtocol(
        loop,
        protocol,
        context,
        waiter,
        server_side=True,
        call_connection_made=False,
        ssl_handshake_timeout=timeout,
    )
    transport.pause_reading()
    transport.set_protocol(tls)
    tls.connection_made(transport)
    feed(tls, early)
    transport.resume_reading()
    try:
        await waiter
    except BaseException:
        transport.close()
        raise
    writer._transport = tls._app_transport  # type: ignore[attr-defined]
    protocol._replace_writer(writer)


async def stream_client(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    trust: ProxyTrust,
    tls: ssl.SSLContext | None,
    handshake_timeout: float,
    listener: str,
) -> str | None:
    """The client address of a new connection to a stream server: the peer's, or the one a
    trusted balancer's PROXY header names (read first). With ``tls`` (an implicit-TLS port
    listening in the clear) the handshake follows. None: no valid header from a trusted
    peer (logged), or no handshake; the caller closes the connection."""
    ip = peer_ip(writer.transport)
    if trust.trusts(ip):
        try:
            data = await asyncio.wait_for(get_proxy(reader), HEADER_TIMEOUT)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            data = None
        if not data:
            log.warning("%s: invalid PROXY handshake from %s: connection closed", listener, ip)
            return None
        claimed = claimed_peer(data)
        ip = claimed[0] if claimed else ip
    if tls is not None:
        try:
            await start_tls(reader, writer, tls, handshake_timeout)
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError) as exc:
            log.info("%s: TLS handshake with %s failed: %s", listener, ip, exc)
            return None
    return ip
