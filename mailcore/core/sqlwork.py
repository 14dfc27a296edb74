"""A unit of hand-written SQL run in one go: on SQLite inside its connection thread.

A unit of work is a generator that yields ``Statement``s (``?`` placeholders, quoted names,
SQL plain enough for SQLite and PostgreSQL) and receives each statement's rows as tuples.
``run`` drives it inside an open tortoise transaction, ``run_transaction`` in one of its own:

* SQLite: the whole generator runs in the aiosqlite thread, one hand-off for all its
  statements, so the transaction holds the connection for the time SQLite needs, not for a
  round trip through a busy event loop per statement;
* PostgreSQL: statement by statement over the transaction's connection.

Only for the group commit of the ingest path, where tortoise's query building (about
0.5 ms of Python per statement) and a dozen loop round trips per group were the limit.
Values go through the model fields' own ``to_db_value``, so rows are the same as the ORM
writes them; ``python_value`` converts what is read back.
"""

from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.connection import get_connections
from tortoise.models import Model
from tortoise.transactions import in_transaction

T = TypeVar("T")
Rows = list[tuple[Any, ...]]

# Rows per multi-row INSERT, values per IN list: far below SQLite's and asyncpg's limits
# on bound values (32,766 and 32,767), whatever else a statement binds.
INSERT_ROWS = 200
IN_LIST = 500


@dataclass(frozen=True)
class Statement:
    sql: str
    values: Sequence[Any] = ()


Work = Generator[Statement, Rows, T]


def postgres_sql(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, …`` (the SQL holds no other ``?``)."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


def batches(values: Sequence[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """``values`` in slices of at most ``size`` (an IN list each)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def marks(count: int) -> str:
    """``?, ?, …`` for an IN list or a row of values."""
    return ", ".join("?" * count)


async def run(work: Work[T], connection: BaseDBAsyncClient) -> T:
    """Drive ``work`` on ``connection``, a transaction opened by the caller."""
    if connection.capabilities.dialect == "sqlite":
        return await _in_sqlite_thread(connection._connection, _drive_sqlite, work)  # type: ignore[attr-defined]
    rows: Rows | None = None
    try:
        while True:
            statement = work.send(rows)  # type: ignore[arg-type]
            found = await connection.execute_query_dict(
                postgres_sql(statement.sql), list(statement.values)
            )
            rows = [tuple(row.values()) for row in found]
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def run_transaction(work: Work[T]) -> T:
    """Run ``work`` in a transaction of its own on the default connection.

    On SQLite that is one call into the database thread, BEGIN to COMMIT included, under
    tortoise's connection lock (no other statement runs meanwhile, as in ``in_transaction``).
    """
    client = get_connections().get("default")
    if client.capabilities.dialect != "sqlite" or isinstance(client, TransactionalDBClient):
        async with in_transaction() as connection:
            return await run(work, connection)
    async with client.acquire_connection() as aio:
        return await _in_sqlite_thread(aio, _transaction_sqlite, work)


async def _in_sqlite_thread(
    aio: Any, drive: Callable[[Work[T], sqlite3.Connection], T], work: Work[T]
) -> T:
    """``drive(work, connection)`` in the aiosqlite connection's thread, in the caller's
    context (the model fields read tortoise's settings, the time zone, from it)."""
    context = contextvars.copy_context()
    return await aio._execute(context.run, drive, work, aio._conn)  # type: ignore[no-any-return]


def _transaction_sqlite(work: Work[T], conn: sqlite3.Connection) -> T:
    conn.execute("BEGIN")
    try:
        result = _drive_sqlite(work, conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # a failed COMMIT may leave it open (SQLITE_BUSY)
            conn.execute("ROLLBACK")
        raise
    return result


def _drive_sqlite(work: Work[T], conn: sqlite3.Connection) -> T:
    rows: Rows | None = None
    try:
        while True:
            statement = work.send(rows)  # type: ignore[arg-type]
            rows = [tuple(row) for row in conn.execute(statement.sql, statement.values)]
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


def insert(
    model: type[Model], instances: Iterable[Model], returning: Sequence[str] = ()
) -> Work[Rows]:
    """Insert model instances as ``bulk_create`` would (same columns, same values); the
    ``returning`` columns of every row, in no particular order."""
    meta = model._meta
    fields = [(n, f) for n, f in meta.fields_map.items() if n in meta.fields_db_projection]
    fields = [(n, f) for n, f in fields if not f.generated]
    columns = ", ".join(f'"{meta.fields_db_projection[n]}"' for n, _ in fields)
    head = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES '
    tail = " RETURNING " + ", ".join(f'"{c}"' for c in returning) if returning else ""
    row_marks = f"({marks(len(fields))})"
    found: Rows = []
    for chunk in batches(list(instances), INSERT_ROWS):
        values = [f.to_db_value(getattr(row, n), row) for row in chunk for n, f in fields]
        sql = head + ", ".join([row_marks] * len(chunk)) + tail
        found += yield Statement(sql, values)
    return found


def python_value(model: type[Model], field: str, value: Any) -> Any:
    """A value read back by hand-written SQL, as the ORM would give it (a datetime stored
    as text by SQLite, say)."""
    return model._meta.fields_map[field].to_python_value(value)
