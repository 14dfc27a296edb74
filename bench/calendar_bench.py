"""Calendar latency (issue 19): a year of one member's calendar with recurrences expanded,
and the free/busy of 50 colleagues for a week, over GraphQL/HTTP against a real server.

Starts a real ``qiyou serve`` (fresh data dir; ``--db postgres`` a fresh PostgreSQL
database), provisions 51 members through the ``qiyou`` CLI, creates the events through
GraphQL as members would (``createEvent``): 200 for the first member over a year — weekly
and daily series with ends, monthly ones, open-ended weekly ones, single and all-day events —
and 20 for each of 50 colleagues in one week (a few of them daily series). Then times, one
request at a time:

- ``calendarEvents`` over 365 days for the first member (targets: p99 < 20 ms);
- ``freeBusy`` of the 50 colleagues over 7 days (p99 < 50 ms).

Then, with the server stopped, the same two in this process straight on the server's data
through ``mailcore.calendar`` — the expansion and the free/busy themselves, without HTTP and
GraphQL's per-field work (about 15 µs per occurrence returned, ~20 ms for a year's 1,240).

Prints p50/p95/p99 per query and a JSON line.

    .venv/bin/python bench/calendar_bench.py [--db sqlite|postgres] [--rounds 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from benchlib import ROOT, BenchServer, login_all, machine, member_email, print_json, summary_ms

sys.path.insert(0, str(ROOT))

CREATE = """
mutation E($i: EventInput!) {
  createEvent(input: $i) { __typename ... on CalendarError { code message } }
}
"""
YEAR = """
query Y($s: DateTime!, $e: DateTime!) { calendarEvents(start: $s, end: $e) { id start end } }
"""
FREE_BUSY = """
query F($a: [String!]!, $s: DateTime!, $e: DateTime!) {
  freeBusy(addresses: $a, start: $s, end: $e) { address busy { start end } }
}
"""
START = datetime(2027, 1, 4, tzinfo=UTC)  # a Monday
RULES = [
    "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=40",
    "FREQ=DAILY;COUNT=30",
    "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=12",
    "FREQ=WEEKLY;BYDAY=FR",  # open-ended
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20271231T000000Z",
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--colleagues", type=int, default=50)
    return parser.parse_args(argv)


def year_events(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """A year of one member's calendar: a quarter series, the rest single (a tenth all-day)."""
    made = []
    for i in range(count):
        start = START + timedelta(days=rng.randrange(360), hours=rng.randrange(8, 18))
        event: dict[str, Any] = {"summary": f"Event {i}", "start": start.isoformat()}
        if i % 4 == 0:
            event["recurrence"] = RULES[(i // 4) % len(RULES)]
        elif i % 10 == 1:
            event["allDay"] = True
        else:
            event["end"] = (start + timedelta(minutes=rng.choice([30, 60, 90]))).isoformat()
        made.append(event)
    return made


def week_events(rng: random.Random) -> list[dict[str, Any]]:
    made = []
    for i in range(20):
        start = START + timedelta(days=rng.randrange(5), hours=rng.randrange(9, 18))
        event: dict[str, Any] = {
            "summary": f"Meeting {i}",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=rng.choice([30, 60]))).isoformat(),
        }
        if i % 7 == 0:
            event["recurrence"] = "FREQ=DAILY;COUNT=5"
        made.append(event)
    return made


async def create(http: httpx.AsyncClient, url: str, token: str, events: list[dict]) -> None:
    for event in events:
        response = await http.post(
            url,
            json={"query": CREATE, "variables": {"i": event}},
            headers={"Authorization": f"Bearer {token}"},
        )
        made = response.json()["data"]["createEvent"]
        if made["__typename"] != "CalendarEvent":
            raise RuntimeError(made)


async def timed(
    http: httpx.AsyncClient, url: str, token: str, query: str, rounds: int, **variables: Any
) -> tuple[list[float], Any]:
    times, data = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        response = await http.post(
            url,
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        times.append(time.perf_counter() - started)
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        data = body["data"]
    return times, data


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = BenchServer(db=args.db)
    try:
        server.provision(args.colleagues + 1)
        server.start()
        emails = [member_email(i) for i in range(args.colleagues + 1)]
        tokens = await login_all(server.graphql_url, emails)
        rng = random.Random(19)
        url = server.graphql_url
        async with httpx.AsyncClient(timeout=120) as http:
            began = time.monotonic()
            await create(http, url, tokens[emails[0]], year_events(args.events, rng))
            await asyncio.gather(
                *(create(http, url, tokens[e], week_events(rng)) for e in emails[1:])
            )
            made = time.monotonic() - began
            me = tokens[emails[0]]
            end = START + timedelta(days=365)
            await timed(http, url, me, YEAR, 3, s=START.isoformat(), e=end.isoformat())  # warm
            year, data = await timed(
                http, url, me, YEAR, args.rounds, s=START.isoformat(), e=end.isoformat()
            )
            occurrences = len(data["calendarEvents"])
            week = START + timedelta(days=7)
            others = emails[1:]
            await timed(
                http, url, me, FREE_BUSY, 3, a=others, s=START.isoformat(), e=week.isoformat()
            )
            busy, data = await timed(
                http,
                url,
                me,
                FREE_BUSY,
                args.rounds,
                a=others,
                s=START.isoformat(),
                e=week.isoformat(),
            )
            periods = sum(len(f["busy"]) for f in data["freeBusy"])
        server.stop()
        direct = await in_process(server.env(), emails, args.rounds)
        return {
            "bench": "calendar",
            "db": args.db,
            "events": args.events,
            "occurrences_in_year": occurrences,
            "colleagues": args.colleagues,
            "busy_periods_in_week": periods,
            "create_seconds": round(made, 1),
            "year_ms": summary_ms(year),
            "freebusy_ms": summary_ms(busy),
            **direct,
            "machine": machine(),
        }
    finally:
        server.close()


async def in_process(env: dict[str, str], emails: list[str], rounds: int) -> dict[str, Any]:
    """``events.in_range`` over the year and ``freebusy.free_busy`` over the week, timed in
    this process on the stopped server's data (the first rounds read and expand)."""
    from mailcore.calendar import calendars, events, freebusy
    from mailcore.calendar.access import Caller
    from mailcore.core.config import Settings
    from mailcore.core.db import close_db, open_db
    from mailcore.core.models import Member

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        settings = Settings.from_env()
        await open_db(settings)
        try:
            me = await Member.get(email=emails[0])
            who = Caller(me.id, me.enterprise_id, False, me.email)
            ids = [c.calendar.id for c in await calendars.my_calendars(who, settings.time_zone)]
            year_end, week_end = START + timedelta(days=365), START + timedelta(days=7)

            async def year() -> object:
                return await events.in_range(who, ids, START, year_end)

            async def week() -> object:
                return await freebusy.free_busy(who, emails[1:], START, week_end)

            figures = {}
            for name, call in (("expand_year_ms", year), ("freebusy_week_ms", week)):
                for _ in range(3):
                    await call()
                times = []
                for _ in range(rounds):
                    began = time.perf_counter()
                    await call()
                    times.append(time.perf_counter() - began)
                figures[name] = summary_ms(times)
            return figures
        finally:
            await close_db()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main() -> None:
    args = parse_args()
    figures = asyncio.run(run(args))
    print(
        f"calendarEvents, a year ({figures['occurrences_in_year']} occurrences of "
        f"{figures['events']} events): {figures['year_ms']}"
    )
    print(
        f"freeBusy, {figures['colleagues']} colleagues for a week "
        f"({figures['busy_periods_in_week']} periods): {figures['freebusy_ms']}"
    )
    print(f"in process: expanding the year {figures['expand_year_ms']}")
    print(f"in process: free/busy of the week {figures['freebusy_week_ms']}")
    print_json(figures)


if __name__ == "__main__":
    main()
