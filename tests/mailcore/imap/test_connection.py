"""The IMAP connection's bounds over a real loopback socket: long lines skipped, a client
that never reads dropped after the write timeout, deflate in both directions, no deflate
bomb held in memory."""

from __future__ import annotations

import asyncio
import socket
import zlib

import pytest

from mailcore.protocols.imap.connection import CHUNK, Connection, LineTooLong, WriteTimeout


async def pair(**options) -> tuple[Connection, socket.socket, asyncio.Server]:
    """A server-side Connection and the raw client socket talking to it."""
    accepted: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()

    async def on_client(reader, writer):
        accepted.set_result(
            Connection(
                reader,
                writer,
                timeout=options.get("timeout", 5),
                write_timeout=options.get("write_timeout", 5),
            )
        )
        await asyncio.sleep(3600)

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    client.setblocking(False)
    return await accepted, client, server


async def test_lines_literals_and_a_line_over_the_limit():
    conn, client, server = await pair()
    client.sendall(b"a NOOP\r\n" + b"x" * 5000 + b"\r\nb NOOP\r\nhello")
    assert await conn.read_line(1000) == b"a NOOP\r\n"
    with pytest.raises(LineTooLong) as long:
        await conn.read_line(1000)
    assert long.value.head.startswith(b"xxx")
    assert await conn.read_line(1000) == b"b NOOP\r\n", "the long line was skipped to its end"
    assert await conn.read_exact(5) == b"hello"
    client.close()
    with pytest.raises(EOFError):
        await conn.read_line(1000)
    server.close()


async def test_silence_is_a_timeout():
    conn, client, server = await pair(timeout=0.2)
    with pytest.raises(TimeoutError):
        await conn.read_line(100)
    client.close()
    server.close()


async def test_a_client_that_never_reads_is_dropped_after_the_write_timeout():
    conn, client, server = await pair(write_timeout=0.5)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(WriteTimeout):
        for _ in range(10_000):  # up to 640 MB if nothing stopped it
            conn.write(b"* 1 FETCH (BODY[] " + b"y" * CHUNK + b")\r\n")
            await conn.pace()
    assert loop.time() - started < 5
    assert conn.writer.transport.get_write_buffer_size() < 2 * 1024 * 1024
    conn.abort()
    client.close()
    server.close()


async def test_small_writes_are_gathered_and_flush_sends_them():
    conn, client, server = await pair()
    for n in range(100):
        conn.write(b"* %d EXISTS\r\n" % n)
    await asyncio.sleep(0.05)
    with pytest.raises(BlockingIOError):
        client.recv(100)  # nothing handed over yet
    await conn.flush()
    await asyncio.sleep(0.05)
    assert client.recv(10_000).startswith(b"* 0 EXISTS\r\n* 1 EXISTS")
    client.close()
    server.close()


async def test_deflate_both_ways_and_a_bomb_is_inflated_in_bounded_pieces():
    conn, client, server = await pair()
    conn.start_deflate()
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = b"z" * (8 * 1024 * 1024) + b"\r\n"  # 8 MB that deflates to ~8 KB
    data = deflate.compress(b"a NOOP\r\n" + bomb) + deflate.flush(zlib.Z_SYNC_FLUSH)
    assert len(data) < 100_000
    client.sendall(data)
    assert await conn.read_line(1000) == b"a NOOP\r\n"
    with pytest.raises(LineTooLong):
        await conn.read_line(64 * 1024)
    assert len(conn._buf) <= 2 * CHUNK, "never more than a piece of the bomb held"
    conn.write(b"a OK done\r\n")
    await conn.flush()
    await asyncio.sleep(0.05)
    inflate = zlib.decompressobj(-15)
    assert inflate.decompress(client.recv(10_000)) == b"a OK done\r\n"
    client.close()
    server.close()
