"""Units of hand-written SQL (``mailcore/core/sqlwork.py``) on the test server's real database.

A unit that fails half-way leaves nothing behind and the connection usable (on SQLite the
whole unit runs in one call into the database thread, ROLLBACK included); inserted rows
come back with their ids and read back as the ORM reads them.
"""

from __future__ import annotations

import uuid

UNIT = """
from datetime import UTC, datetime
from mailcore.core import sqlwork
from mailcore.core.sqlwork import Statement

member = await Member.get(email="bob@example.com")
key = args["key"]
when = datetime(2026, 11, 28, 12, 30, 15, 123456, tzinfo=UTC)

def work(fail):
    rows = yield from sqlwork.insert(
        Thread,
        [Thread(member_id=member.id, subject_key=key, subject=key, last_date=when)],
        returning=("id", "last_date"),
    )
    if fail:
        yield Statement('SELECT * FROM "no_such_table"')
    return rows

try:
    await sqlwork.run_transaction(work(fail=True))
    failed = None
except Exception as exc:
    failed = type(exc).__name__
left = await Thread.filter(subject_key=key).count()
[(thread_id, last)] = await sqlwork.run_transaction(work(fail=False))
stored = await Thread.get(id=thread_id)
return {
    "failed": failed,
    "left_after_failure": left,
    "same_row": stored.subject_key == key,
    "read_back": sqlwork.python_value(Thread, "last_date", last) == when,
    "orm_reads": stored.last_date == when,
}
"""


async def test_a_failed_unit_is_rolled_back_and_the_next_one_commits(server):
    got = server.mailcore(UNIT, key=f"sqlwork {uuid.uuid4().hex}")

    assert got["failed"] is not None, "the bad statement raised"
    assert got["left_after_failure"] == 0, "the insert before it was rolled back"
    assert got["same_row"], "RETURNING gave the new row's id"
    assert got["read_back"], "a returned date reads back as the date written"
    assert got["orm_reads"], "the ORM reads the row as written"
