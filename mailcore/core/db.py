"""Database configuration for tortoise-orm, and applying migrations."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.connection import get_connections

from mailcore.core.config import Settings
from mailcore.core.sqlwork import postgres_sql

APP = "qiyou"


def db_text(value: str | None, limit: int) -> str:
    """Text safe for every database: no NUL (PostgreSQL refuses it), bounded length."""
    return (value or "").replace("\x00", "")[:limit]


def normalize_url(url: str) -> str:
    """Accept the usual spellings (``postgresql://``) and make SQLite commits durable."""
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://") and "synchronous" not in url:
        url += ("&" if "?" in url else "?") + "synchronous=FULL"
    return url


async def unreachable(settings: Settings, timeout: float = 10.0) -> str | None:
    """Why the database cannot be used now (None: it answers): checked once before a
    server starts, so an operator reads one line instead of a traceback. A SQLite file in
    a writable data dir is always usable."""
    url = normalize_url(settings.db_url)
    if not url.startswith(("postgres://", "asyncpg://")):
        return None
    import asyncpg

    dsn = "postgres://" + url.split("://", 1)[1]
    try:
        connection = await asyncpg.connect(dsn, timeout=timeout)
    except TimeoutError:
        return f"no answer within {timeout:.0f} s"
    except OSError as exc:  # e.g. "Connection refused", not "[Errno 111] Connect call failed"
        return os.strerror(exc.errno) if exc.errno else str(exc) or type(exc).__name__
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return str(exc) or type(exc).__name__
    await connection.close()
    return None


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {"default": normalize_url(settings.db_url)},
        "apps": {
            APP: {
                "models": ["mailcore.core.models"],
                "migrations": "mailcore.core.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def select(sql: str, *values: Any) -> list[dict[str, Any]]:
    """Run a hand-written SELECT (``?`` placeholders, quoted names) on the default database.

    Only for a lookup on the hot SMTP path: tortoise builds even a one-line SELECT in about
    0.5 ms of Python, several times what SQLite takes to run it. Everything else uses the
    ORM. The SQL must be plain enough for both SQLite and PostgreSQL. On a SQLite file the
    query runs on a read-only connection of its own (``SqliteReader``), so it neither waits
    for tortoise's connection lock nor for a group commit holding it.
    """
    connection = get_connections().get("default")
    dialect = connection.capabilities.dialect
    if dialect == "postgres":
        sql = postgres_sql(sql)
    elif dialect == "sqlite" and not isinstance(connection, TransactionalDBClient):
        path = getattr(connection, "filename", ":memory:")
        if path != ":memory:":
            return await _reader(path).select(sql, values)
    return [dict(row) for row in await connection.execute_query_dict(sql, list(values))]


class SqliteReader:
    """A second SQLite connection, read-only, in a thread of its own.

    In WAL mode (tortoise's default) readers and the writer do not block each other, so a
    lookup sees the last committed rows at once while a group commit is being written.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="qiyou-sqlite-read")
        self._connection: sqlite3.Connection | None = None

    async def select(self, sql: str, values: Sequence[Any]) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._select, sql, values)

    def _select(self, sql: str, values: Sequence[Any]) -> list[dict[str, Any]]:
        if self._connection is None:
            self._connection = sqlite3.connect(self.path, check_same_thread=False)
            self._connection.execute("PRAGMA query_only = ON")
            self._connection.row_factory = sqlite3.Row
        return [dict(row) for row in self._connection.execute(sql, values)]

    def close(self) -> None:
        def close_connection() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        self._thread.submit(close_connection)
        self._thread.shutdown(wait=True)


_readers: dict[str, SqliteReader] = {}


def _reader(path: str) -> SqliteReader:
    reader = _readers.get(path)
    if reader is None:
        reader = _readers[path] = SqliteReader(path)
    return reader


def close_readers() -> None:
    """Close the read-only SQLite connections (with tortoise's own, at shutdown)."""
    while _readers:
        _readers.popitem()[1].close()


# Key of the PostgreSQL advisory lock held while migrating (any constant of our own).
MIGRATION_LOCK = 0x71697A6F75  # "qiyou"


@contextlib.asynccontextmanager
async def migration_lock(settings: Settings) -> AsyncIterator[None]:
    """One process migrates at a time: several started together on an empty database would
    otherwise create the same tables at once (PostgreSQL: ``duplicate key ...
    pg_type_typname_nsp_index``). PostgreSQL: a session advisory lock on a connection of its
    own, so every process sharing the database waits its turn; SQLite: an exclusive ``flock``
    on a file beside the database (processes sharing a data dir)."""
    url = normalize_url(settings.db_url)
    if url.startswith("postgres://"):
        import asyncpg

        connection = await asyncpg.connect(url.split("?", 1)[0])
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                yield
            finally:
                await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        finally:
            await connection.close()
        return
    with open(settings.data_dir / "migrate.lock", "a+b") as file:
        await asyncio.to_thread(fcntl.flock, file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


async def migrate(settings: Settings) -> None:
    """Apply every pending migration (idempotent, one process at a time), then close the
    connections it opened."""
    from tortoise.migrations.api import migrate as run_migrations

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with migration_lock(settings):
        try:
            await run_migrations(config=tortoise_config(settings))
        finally:
            # Also on failure: an open SQLite connection thread would keep the process alive.
            await Tortoise.close_connections()


async def open_db(settings: Settings) -> None:
    """Migrate, then initialise tortoise as the process-wide default (CLI and tests)."""
    await migrate(settings)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()
    close_readers()


# For the ``tortoise`` CLI (makemigrations): ``tortoise -c mailcore.core.db.TORTOISE_ORM ...``
TORTOISE_ORM = tortoise_config(Settings.from_env())
