"""The IMAP listeners before login, in process over real sockets (no database needed until
a password is checked): greeting, connection limits, making room, the login timeout,
STARTTLS and the limits on what an unauthenticated client may send."""

from __future__ import annotations

import asyncio
import socket
import ssl

import pytest

from mailcore.core.config import Settings
from mailcore.protocols.imap.server import start_imap
from mailcore.store.services import Services


@pytest.fixture
async def listen(tmp_path):
    started = []

    async def start(**overrides):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings = Settings(
            data_dir=tmp_path, host="127.0.0.1", imap_port=port, imaps_port=0
        ).with_overrides(**overrides)
        listeners = await start_imap(Services(settings=settings, blobs=None, ingestor=None))
        started.append(listeners)
        return listeners[0].sockets[0].getsockname()[1]

    yield start
    for listeners in started:
        await listeners.close()


async def connect(port: int):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return reader, writer


async def test_greeting_and_per_address_limit(listen):
    port = await listen(imap_max_connections_per_ip=2)
    first, second = await connect(port), await connect(port)
    for reader, _ in (first, second):
        greeting = await reader.readline()
        assert greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 IMAP4rev2")
        assert b"STARTTLS" in greeting and b"LOGINDISABLED" in greeting
    reader, _ = await connect(port)
    assert (
        await reader.readline() == b"* BYE [UNAVAILABLE] too many connections from this address\r\n"
    )
    assert await reader.read() == b""


async def test_a_full_listener_closes_the_longest_idle_connection_for_a_new_one(listen):
    port = await listen(imap_max_connections=2, imap_max_connections_per_ip=0)
    old, young = await connect(port), await connect(port)
    await old[0].readline()
    await young[0].readline()
    await asyncio.sleep(1.2)  # limits.MIN_IDLE: only a connection idle that long makes room
    young[1].write(b"a NOOP\r\n")
    assert (await young[0].readline()).startswith(b"a OK")
    newcomer = await connect(port)
    assert (await newcomer[0].readline()).startswith(b"* OK")
    assert (await old[0].readline()).startswith(b"* BYE [UNAVAILABLE]")
    assert await old[0].read() == b""


async def test_silence_before_login_ends_with_bye(listen):
    port = await listen(imap_auth_timeout=0.3)
    reader, _ = await connect(port)
    await reader.readline()
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"* BYE Autologout")


async def test_starttls_drops_what_was_sent_in_the_clear_after_it(listen):
    port = await listen()
    reader, writer = await connect(port)
    await reader.readline()
    writer.write(b"a STARTTLS\r\nb LOGIN injected command\r\n")  # CVE-2011-0411
    assert await reader.readline() == b"a OK Begin TLS negotiation now\r\n"
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    await writer.start_tls(context)
    writer.write(b"c CAPABILITY\r\n")
    caps = await reader.readline()
    assert b"AUTH=PLAIN" in caps and b"STARTTLS" not in caps
    assert await reader.readline() == b"c OK CAPABILITY completed\r\n", "b was never run"


async def test_unauthenticated_commands_are_small_and_answered_bad(listen):
    port = await listen()
    reader, writer = await connect(port)
    await reader.readline()
    writer.write(b"a LOGIN {100000}\r\n")
    assert (await reader.readline()).startswith(b"a BAD [TOOBIG]")
    writer.write(b"b NOOP " + b"x" * 100_000 + b"\r\n")
    assert (await reader.readline()).startswith(b"b BAD [TOOBIG]")
    writer.write(b"c SELECT INBOX\r\n")
    assert await reader.readline() == (
        b"c BAD SELECT is not allowed in the not authenticated state\r\n"
    )
    writer.write(b"d LOGIN a b\r\n")
    assert (await reader.readline()).startswith(b"d NO [PRIVACYREQUIRED]")
    writer.write(b"e LOGOUT\r\n")
    assert (await reader.readline()).startswith(b"* BYE")
    assert (await reader.readline()).startswith(b"e OK")
    assert await reader.read() == b""


async def test_a_sasl_answer_over_its_limit_is_bad(listen):
    port = await listen(allow_plaintext_auth="loopback")
    reader, writer = await connect(port)
    assert b"AUTH=PLAIN" in await reader.readline()
    writer.write(b"x AUTHENTICATE PLAIN\r\n")
    assert await reader.readline() == b"+ \r\n"
    writer.write(b"A" * 10_000 + b"\r\n")
    assert (await reader.readline()).startswith(b"x BAD [TOOBIG]")
    writer.write(b"y NOOP\r\n")
    assert (await reader.readline()).startswith(b"y OK")
