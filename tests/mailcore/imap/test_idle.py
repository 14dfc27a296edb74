"""IDLE in process over a real socket and a real (memory) event bus: the continuation, the
keep-alive of a quiet IDLE, DONE, anything else, and a client that goes away mid-IDLE."""

from __future__ import annotations

import asyncio

from mailcore.core.config import Settings
from mailcore.core.events import Bus
from mailcore.core.models import Member
from mailcore.core.net.tls import tls_context
from mailcore.protocols.imap.commands import COMMANDS
from mailcore.protocols.imap.connection import Connection
from mailcore.protocols.imap.session import Session
from mailcore.store.services import Services


async def logged_in_session(tmp_path, **options):
    """A session of member 7 (logged in as the LOGIN command would leave it), its client
    streams, and the bus."""
    assert "IDLE" in COMMANDS
    settings = Settings(data_dir=tmp_path)
    bus = Bus()
    await bus.connect()
    runtime = Services(settings=settings, blobs=None, ingestor=None, bus=bus)
    ended: asyncio.Future = asyncio.get_running_loop().create_future()

    async def serve(reader, writer):
        conn = Connection(reader, writer, timeout=5, write_timeout=5)
        session = Session(runtime, conn, "127.0.0.1", tls_context(settings), **options)
        session.member = Member(id=7, email="idle@example.com")
        await session.run()
        ended.set_result(True)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert (await reader.readline()).startswith(b"* OK [CAPABILITY")
    return reader, writer, bus, server, ended


async def test_idle_keeps_alive_ends_with_done_and_refuses_anything_else(tmp_path):
    reader, writer, bus, server, _ = await logged_in_session(tmp_path, idle_poll=0.2)
    writer.write(b"a IDLE\r\n")
    assert await reader.readline() == b"+ idling\r\n"
    await bus.publish(7, "mailbox_changed", change="flags")  # a wake-up: a sync, no output
    assert await asyncio.wait_for(reader.readline(), 2) == b"* OK Still here\r\n"
    writer.write(b"DONE\r\n")
    assert await reader.readline() == b"a OK IDLE completed\r\n"
    writer.write(b"b IDLE\r\nNOT DONE\r\n")
    assert await reader.readline() == b"+ idling\r\n"
    assert await reader.readline() == b"b BAD expected DONE\r\n"
    writer.write(b"c NOOP\r\n")
    assert await reader.readline() == b"c OK NOOP completed\r\n"
    writer.close()
    server.close()
    await bus.disconnect()


async def test_a_client_gone_mid_idle_ends_the_session(tmp_path):
    reader, writer, bus, server, ended = await logged_in_session(tmp_path)
    writer.write(b"a IDLE\r\n")
    assert await reader.readline() == b"+ idling\r\n"
    writer.close()
    assert await asyncio.wait_for(ended, 5)
    server.close()
    await bus.disconnect()
