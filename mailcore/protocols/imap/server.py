"""Start the IMAP listeners inside the running asyncio loop (docs/imap.md).

``imap_port``: plain with STARTTLS (143-style); ``imaps_port``: implicit TLS (993-style);
each is skipped when 0. Both share one ``ConnectionLimits`` (per address and in all): over
a limit the client reads ``* BYE [UNAVAILABLE]`` and the connection closes. A connection
that has not logged in is *idle* between commands and may be closed to make room for a new
one; a logged-in one (IDLE included) never is.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl

from mailcore.core.net.limits import ConnectionLimits, Refusal
from mailcore.core.net.listen import listening
from mailcore.core.net.proxy import ProxyTrust, stream_client
from mailcore.core.net.tls import tls_context
from mailcore.protocols.imap.commands import COMMANDS
from mailcore.protocols.imap.connection import Connection
from mailcore.protocols.imap.gate import LoginGate
from mailcore.protocols.imap.session import HANDSHAKE_TIMEOUT, Session
from mailcore.store.services import Services

log = logging.getLogger(__name__)


class Listeners(list[asyncio.Server]):
    """The listening servers, and the open sessions to end when they close."""

    def __init__(self) -> None:
        super().__init__()
        self.tasks: set[asyncio.Task] = set()

    async def close(self) -> None:
        """Stop listening, then end every open session (an IDLE client would wait forever)."""
        for server in self:
            server.close()
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=5)
        for server in self:
            await server.wait_closed()


async def start_imap(runtime: Services) -> Listeners:
    """Listen on the IMAP and IMAPS ports; returns the servers (``close()`` them to stop)."""
    assert COMMANDS  # every command module is imported
    settings = runtime.settings
    context = tls_context(settings)
    limits = ConnectionLimits(
        "imap",
        per_ip=settings.imap_max_connections_per_ip,
        total=settings.imap_max_connections,
    )
    trust = ProxyTrust.parse(settings.proxy_protocol_from)  # docs/proxy-protocol.md
    logins = LoginGate()  # parallel logins of one client, counted one after the other
    servers = Listeners()
    tasks = servers.tasks

    async def serve(
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        tls: ssl.SSLContext | None = None,  # TLS after a PROXY header (implicit-TLS port)
    ) -> None:
        ip = await stream_client(reader, writer, trust, tls, HANDSHAKE_TIMEOUT, "imap")
        if ip is None:
            writer.close()
            return
        admitted = limits.admit(ip)
        if isinstance(admitted, Refusal):
            writer.write(f"* BYE [UNAVAILABLE] {admitted.value}\r\n".encode())
            writer.close()
            return
        conn = Connection(
            reader,
            writer,
            timeout=settings.imap_auth_timeout,
            write_timeout=settings.imap_write_timeout,
        )
        session = Session(
            runtime,
            conn,
            ip,
            context,
            lease=admitted,
            stressed=lambda: limits.stressed,
            logins=logins,
        )

        def evicted() -> None:
            conn.write(b"* BYE [UNAVAILABLE] too many connections; closing an idle one\r\n")
            conn.push()
            conn.close()

        admitted.on_evict = evicted
        task = asyncio.current_task()
        if task is not None:
            tasks.add(task)
        try:
            await session.run()
        except asyncio.CancelledError:
            pass  # the server is closing (a cancelled callback task would be logged)
        except Exception:  # noqa: BLE001 - one connection's failure is not the server's
            log.exception("IMAP connection from %s failed", ip)
        finally:
            admitted.close()
            conn.close()
            if task is not None:
                tasks.discard(task)

    backlog = 4096
    host = settings.host
    if settings.imap_port:
        plain = asyncio.start_server(serve, host, settings.imap_port, backlog=backlog)
        servers.append(await listening("QIYOU_IMAP_PORT", host, settings.imap_port, plain))
    if settings.imaps_port:
        secure = asyncio.start_server(
            functools.partial(serve, tls=context) if trust else serve,
            host,
            settings.imaps_port,
            ssl=None if trust else context,  # else TLS starts after the PROXY header
            ssl_handshake_timeout=None if trust else HANDSHAKE_TIMEOUT,
            backlog=backlog,
        )
        servers.append(await listening("QIYOU_IMAPS_PORT", host, settings.imaps_port, secure))
    return servers
