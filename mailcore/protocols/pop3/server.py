"""Start the POP3 listeners: ``pop3_port`` (plain, STLS) and ``pop3s_port`` (implicit
TLS); 0 turns one off.

Both count their connections with one ``ConnectionLimits`` (per address and in all); a
connection over a limit reads ``-ERR [SYS/TEMP]`` and is closed. One ``MailboxLocks``
keeps a mailbox to one session at a time across processes (``inuse.py``).
"""

from __future__ import annotations

import asyncio
import contextlib

from mailcore.core.net.limits import ConnectionLimits, Refusal
from mailcore.core.net.listen import listening
from mailcore.core.net.proxy import ProxyTrust, stream_client
from mailcore.core.net.tls import tls_context
from mailcore.protocols.pop3.inuse import MailboxLocks
from mailcore.protocols.pop3.session import HANDSHAKE_TIMEOUT, Session
from mailcore.protocols.pop3.wire import MAX_AUTH_LINE
from mailcore.store.services import Services

MAX_CONNECTIONS = 2000  # POP3 and POP3S connections in all
MAX_CONNECTIONS_PER_IP = 50  # from one address (a company behind one NAT has many clients)
WRITE_BUFFER = 256 * 1024  # bytes written ahead of a slow reader before drain waits


async def start_pop3(runtime: Services) -> list[asyncio.Server]:
    """Listen on the POP3 ports; returns the servers (close them to stop)."""
    settings = runtime.settings
    context = tls_context(settings)
    limits = ConnectionLimits("pop3", per_ip=MAX_CONNECTIONS_PER_IP, total=MAX_CONNECTIONS)
    locks = MailboxLocks()
    trust = ProxyTrust.parse(settings.proxy_protocol_from)  # docs/proxy-protocol.md

    def serve(secure: bool):
        async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            tls = context if secure and trust else None  # TLS after a PROXY header
            ip = await stream_client(reader, writer, trust, tls, HANDSHAKE_TIMEOUT, "pop3")
            if ip is None:
                writer.close()
                return
            admitted = limits.admit(ip)
            if isinstance(admitted, Refusal):
                writer.write(f"-ERR [SYS/TEMP] {admitted.value}\r\n".encode())
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
                return
            writer.transport.set_write_buffer_limits(high=WRITE_BUFFER)
            session = Session(
                runtime,
                reader,
                writer,
                lease=admitted,
                limits=limits,
                locks=locks,
                context=context,
                secure=secure,
            )
            await session.run()

        return connected

    servers = []
    common = {"limit": MAX_AUTH_LINE, "backlog": 1024}
    host = settings.host
    if settings.pop3_port:
        plain = asyncio.start_server(serve(False), host, settings.pop3_port, **common)
        servers.append(await listening("QIYOU_POP3_PORT", host, settings.pop3_port, plain))
    if settings.pop3s_port:
        secure = asyncio.start_server(
            serve(True),
            host,
            settings.pop3s_port,
            ssl=None if trust else context,  # else TLS starts after the PROXY header
            ssl_handshake_timeout=None if trust else HANDSHAKE_TIMEOUT,
            **common,
        )
        servers.append(await listening("QIYOU_POP3S_PORT", host, settings.pop3s_port, secure))
    return servers
