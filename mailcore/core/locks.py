"""Locks shared by every ``qiyou serve`` process on one database, never waited for.

``singleton(name)``: a job (a retention purge, the delivery reports, a mass mail job) that
must run on one process at a time: ``async with singleton("archive-retention") as held:``
and the job runs only ``if held``. ``claim_keys(namespace, ids)``: the rows of a queue that
has no lease column (rule sends) which this process works on; others skip them meanwhile.

PostgreSQL: session advisory locks (``pg_try_advisory_lock``). A lock belongs to a database
connection, so a process that dies loses its locks with its connection: another process
takes the work over at once (the lease ends with the process). Short work borrows a
connection of tortoise's pool (asyncpg's reset on release unlocks everything, whatever
happens); ``dedicated`` opens one of its own, for long work that must not keep a pool
connection from the requests.

SQLite: ``flock(LOCK_EX | LOCK_NB)`` on a file beside the database (the kernel drops it
when the process dies), removed again by its holder; with one writer there is no row-level
parallelism to gain, so ``claim_keys`` takes its whole namespace. An in-memory database
lives in one process: a set of names is enough.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connections

_local: set[str] = set()  # names held in this process (in-memory SQLite)


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock key (a signed 64-bit integer) of a name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), signed=True)


def namespace_key(namespace: str) -> int:
    """The first (32-bit) key of the two-key advisory locks of a namespace."""
    return int.from_bytes(hashlib.blake2b(namespace.encode(), digest_size=4).digest(), signed=True)


@contextlib.asynccontextmanager
async def singleton(name: str, *, dedicated: bool = False) -> AsyncIterator[bool]:
    """Yield whether this process now holds ``name`` (False: another one does)."""
    client = get_connections().get("default")
    if client.capabilities.dialect != "postgres":
        async with _file_lock(client, name) as held:
            yield held
        return
    key = advisory_key(name)
    async with _connection(client, dedicated) as connection:
        held = bool(await connection.fetchval("SELECT pg_try_advisory_lock($1)", key))
        try:
            yield held
        finally:
            if held:
                with contextlib.suppress(Exception):  # a lost connection holds nothing
                    await connection.execute("SELECT pg_advisory_unlock($1)", key)


@contextlib.asynccontextmanager
async def claim_keys(namespace: str, keys: Iterable[int]) -> AsyncIterator[set[int]]:
    """Yield the ``keys`` (32-bit row ids) that this process now holds: those no other
    process holds in ``namespace``; all of them or none on SQLite."""
    keys = list(keys)
    client = get_connections().get("default")
    if client.capabilities.dialect != "postgres":
        async with _file_lock(client, namespace) as held:
            yield set(keys) if held else set()
        return
    space = namespace_key(namespace)
    async with _connection(client, dedicated=False) as connection:
        rows = await connection.fetch(
            "SELECT k FROM unnest($2::int[]) AS k WHERE pg_try_advisory_lock($1, k)", space, keys
        )
        held = {row[0] for row in rows}
        try:
            yield held
        finally:
            if held:
                with contextlib.suppress(Exception):
                    await connection.execute(
                        "SELECT pg_advisory_unlock($1, k) FROM unnest($2::int[]) AS k",
                        space,
                        list(held),
                    )


@contextlib.asynccontextmanager
async def _connection(client: BaseDBAsyncClient, dedicated: bool) -> AsyncIterator[Any]:
    """An asyncpg connection outside any transaction: borrowed from the pool or its own."""
    base: Any = getattr(client, "_parent", client)  # a transaction's client: its parent
    if not dedicated and base is client:
        async with client.acquire_connection() as connection:
            yield connection
        return
    connection = await dedicated_connection(client)
    try:
        yield connection
    finally:
        await connection.close()


async def dedicated_connection(client: BaseDBAsyncClient) -> Any:
    """A new asyncpg connection of its own to the database of ``client`` (locks held on it
    end with it, or with the process)."""
    import asyncpg

    base: Any = getattr(client, "_parent", client)  # a transaction's client: its parent
    return await asyncpg.connect(
        host=base.host,
        port=base.port,
        user=base.user,
        password=base.password,
        database=base.database,
        server_settings=base.server_settings,
    )


@contextlib.asynccontextmanager
async def _file_lock(client: BaseDBAsyncClient, name: str) -> AsyncIterator[bool]:
    filename = getattr(client, "filename", ":memory:")
    if filename == ":memory:":
        if name in _local:
            yield False
            return
        _local.add(name)
        try:
            yield True
        finally:
            _local.discard(name)
        return
    path = Path(f"{filename}.{name}.lock")
    fd = try_flock(path)
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        path.unlink(missing_ok=True)  # still locked: see _try_flock
        os.close(fd)


def try_flock(path: Path) -> int | None:
    """The descriptor of ``path`` locked by this process, or None if another holds it.

    Holders remove the file before unlocking it, so a lock taken on a file that is no
    longer at ``path`` was taken on a removed file: try again on the new one.
    """
    for _ in range(5):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            current = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            return fd
        os.close(fd)
    return None
