"""The period and the rows every ``/cgi-bin/log/*`` endpoint reads.

Dates are Exmail's ``YYYY-MM-DD`` (UTC days here), ``begin_date`` and ``end_date`` both
included, at most ``MAX_DAYS`` apart; anything else is errcode 40058 with what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.openapi.errcodes import invalid
from api.openapi.framework import Call
from mailcore.admin.scope import AdminScope
from mailcore.logs.maillog import MailFilter, MailLogRow, mail_logs
from mailcore.logs.paging import Page

MAX_DAYS = 31
PAGE = 200
MAX_ROWS = 50_000
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def day(call: Call, name: str) -> date:
    text = call.params.text(name, required=True)
    try:
        if not DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise invalid(f"{name} must be a date like 2016-10-01, not {text[:40]!r}") from exc


def period(call: Call) -> tuple[datetime, datetime]:
    """``[since, until)``: from the start of ``begin_date`` to the end of ``end_date``."""
    begin, end = day(call, "begin_date"), day(call, "end_date")
    if end < begin:
        raise invalid(f"end_date {end} is before begin_date {begin}")
    if (end - begin).days >= MAX_DAYS:
        raise invalid(f"begin_date to end_date covers at most {MAX_DAYS} days")
    since = datetime(begin.year, begin.month, begin.day, tzinfo=UTC)
    until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    return since, until


def days(since: datetime, until: datetime) -> list[str]:
    return [(since + timedelta(days=n)).date().isoformat() for n in range((until - since).days)]


async def all_pages(fetch: Callable[[str | None], Awaitable[Page]]) -> list[Any]:
    """Every row of a paged log query, up to MAX_ROWS."""
    rows: list[Any] = []
    after = None
    while True:
        page = await fetch(after)
        rows += page.items
        if len(rows) > MAX_ROWS:
            raise invalid(f"more than {MAX_ROWS} log rows: narrow the date range")
        if not page.has_next:
            return rows
        after = page.end_cursor


async def mail_rows(scope: AdminScope, since: datetime, until: datetime) -> list[MailLogRow]:
    where = MailFilter(since=since, until=until)
    return await all_pages(lambda after: mail_logs(scope, where, PAGE, after))
