"""Calendar reminders (issue 19, item 4): 10,000 reminders due in the same minute, all sent
within 60 s.

Starts a real ``qiyou serve`` (fresh data dir; ``--db postgres`` a fresh PostgreSQL database
with Redis as the bus). Before it starts, ``--members`` members are provisioned in-process as
bench/notice_fanout.py does (login sessions for the ``--subscribers``), and ``--count`` events
are made in a subprocess with the server's settings through the code a ``createEvent`` runs
after its checks (``ical.fields_for``, ``ical.new_object``, ``rows.store``, which schedules the
reminder with ``reminders.schedule``; 500 events a transaction): dealt round-robin over the
members' default calendars, each starting at the same minute ``--minutes-before`` after the
due minute with one PUSH reminder — so every reminder's outbox job is due at the same
instant, the start of that minute, as for meetings that all begin at 10:00.

Then the server starts, ``--subscribers`` members (spread over the company) subscribe to
``calendarReminder`` over websockets, and the bench waits for the due instant. Measured from
it: when the last reminder was recorded (``calendar_reminder_sent.sent_at``, polled by SQL
until all ``--count`` are there; a reminder is recorded just before it is pushed) and when
the subscribers' last push arrived. Prints the seconds, the rate and a JSON line. Target
(``--target``): all 10,000 within 60 s.

    .venv/bin/python bench/calendar_reminders.py [--db sqlite|postgres] [--count 10000]
        [--profile /tmp/reminders.txt]   # py-spy of the server while it sends (pyspy_top.py)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import (
    BenchServer,
    exit_on_sigterm,
    machine,
    member_email,
    print_json,
    raise_nofile_limit,
    subscribed_socket,
    summary_ms,
)
from notice_fanout import provision
from websockets.exceptions import ConnectionClosed

SUBSCRIPTION = "subscription { calendarReminder { eventId summary start minutesBefore } }"
TARGET_S = 60.0
CHUNK = 500  # events a transaction


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--count", type=int, default=10_000, help="reminders due in the minute")
    p.add_argument("--members", type=int, default=1000, help="events dealt over these")
    p.add_argument("--subscribers", type=int, default=200, help="members with a websocket")
    p.add_argument("--minutes-before", type=int, default=15)
    p.add_argument("--lead", type=float, default=45.0,
                   help="seconds from the server being up to the due time, at least")  # fmt: skip
    p.add_argument("--per-event-s", type=float, default=0.025,
                   help="estimated seconds to make an event (for the due minute)")  # fmt: skip
    p.add_argument("--wait", type=float, default=600, help="give up this long after due")
    p.add_argument("--target", type=float, default=TARGET_S)
    p.add_argument("--profile", help="py-spy the server from the due instant (.txt: raw)")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir (server log)")
    return p.parse_args(argv)


# --- events (in a subprocess with the server's settings, before it starts) -----------------


async def _make_events(
    env: dict[str, str], count: int, members: int, due: str, minutes_before: int
) -> None:
    from tortoise.transactions import in_transaction

    from mailcore.calendar import calendars, ical, rows
    from mailcore.calendar.access import caller
    from mailcore.core.config import Settings
    from mailcore.core.db import close_db, open_db
    from mailcore.core.models import CalendarEvent, Member

    await open_db(Settings.from_env(env))
    try:
        found = await Member.filter(
            email__in=[member_email(i) for i in range(members)]
        ).values_list("id", flat=True)
        owners = []
        for member_id in sorted(found):
            who = await caller(member_id)
            owners.append((member_id, (await calendars.default_calendar(who, "Asia/Shanghai")).id))
        start = datetime.fromisoformat(due) + timedelta(minutes=minutes_before)
        alarm = [ical.Alarm(minutes_before, ("PUSH",))]
        for first in range(0, count, CHUNK):
            async with in_transaction():
                for i in range(first, min(first + CHUNK, count)):
                    member_id, calendar_id = owners[i % len(owners)]
                    fields = ical.fields_for(
                        summary=f"会议 Meeting {i}",
                        start=start,
                        end=start + timedelta(minutes=30),
                        all_day=False,
                        time_zone="Asia/Shanghai",
                        location=f"Room {i % 40}",
                        alarms=alarm,
                    )
                    data = ical.new_object(ical.new_uid(), fields)
                    event = CalendarEvent(calendar_id=calendar_id, created_by_id=member_id)
                    await rows.store(event, data)
    finally:
        await close_db()


def make_events(server: BenchServer, args: argparse.Namespace, due: datetime) -> float:
    started = time.monotonic()
    env = server.env()
    code = (
        "import asyncio, json, sys; sys.path.insert(0, 'bench');"
        "from calendar_reminders import _make_events;"
        "asyncio.run(_make_events(json.loads(sys.argv[1]), "
        f"{args.count}, {args.members}, sys.argv[2], {args.minutes_before}))"
    )
    subprocess.run(
        [sys.executable, "-c", code, json.dumps(env), due.isoformat()],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        check=True,
        timeout=1800,
    )
    return time.monotonic() - started


# --- reading the database -------------------------------------------------------------------


def _sql(server: BenchServer, sql: str) -> list[str]:
    if server.pg_db:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", server.pg_db, "-tA", "-F|", "-c"]
            + [sql],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return out.stdout.strip().split("|")
    with sqlite3.connect(server.data_dir / "qiyou.sqlite3", timeout=30) as db:
        return [str(v) for v in db.execute(sql).fetchone()]


def recorded(server: BenchServer) -> tuple[int, datetime | None]:
    """How many reminders are recorded, and when the last one was."""
    count, last = _sql(server, "SELECT count(*), max(sent_at) FROM calendar_reminder_sent")
    if not last or last == "None":
        return int(count), None
    when = datetime.fromisoformat(last.replace(" ", "T"))
    return int(count), when if when.tzinfo else when.replace(tzinfo=UTC)


def waiting_jobs(server: BenchServer) -> int:
    return int(_sql(server, "SELECT count(*) FROM outbox WHERE topic = 'calendar.reminder'")[0])


# --- websockets -------------------------------------------------------------------------------


class Sockets:
    """One subscribed websocket per token; the wall-clock time of each reminder pushed."""

    def __init__(self) -> None:
        self.pushed: list[float] = []
        self.errors = 0
        self.sockets: list[Any] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def open(self, url: str, tokens: list[str]) -> int:
        limit = asyncio.Semaphore(50)

        async def one(token: str) -> Any:
            async with limit:
                return await subscribed_socket(url, token, SUBSCRIPTION, max_size=2**20)

        opened = await asyncio.gather(*(one(t) for t in tokens), return_exceptions=True)
        self.sockets = [ws for ws in opened if not isinstance(ws, BaseException)]
        self.tasks = [asyncio.create_task(self._read(ws)) for ws in self.sockets]
        return len(self.sockets)

    async def _read(self, ws: Any) -> None:
        try:
            async for raw in ws:
                now = time.time()
                message = json.loads(raw)
                if message.get("type") == "ping":
                    await ws.send('{"type": "pong"}')
                elif message.get("type") == "next":
                    payload = message["payload"]
                    if payload.get("errors") or not (payload.get("data") or {}).get(
                        "calendarReminder"
                    ):
                        self.errors += 1
                    else:
                        self.pushed.append(now)
        except ConnectionClosed:
            pass

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


# --- the run ----------------------------------------------------------------------------------


async def measure(
    args: argparse.Namespace, server: BenchServer, tokens: dict[str, str], due: datetime
) -> dict[str, Any]:
    sockets = Sockets()
    try:
        live = await sockets.open(server.ws_url, list(tokens.values()))
        print(f"{live} of {len(tokens)} websockets subscribed", flush=True)
        ahead = (due - datetime.now(UTC)).total_seconds()
        print(f"due at {due:%H:%M:%S} UTC, in {ahead:.1f} s", flush=True)
        if ahead > 0:
            await asyncio.sleep(ahead)
        else:  # the server did them from its start-up: raise --per-event-s or --lead
            print("warning: the server came up after the due time", flush=True)
        spy = server.start_profiler(args.profile) if args.profile else None
        count, last = 0, None
        samples = []  # (seconds after due, recorded)
        try:
            while True:
                count, last = await asyncio.to_thread(recorded, server)
                after = time.time() - due.timestamp()
                samples.append((round(after, 2), count))
                if count >= args.count or after > args.wait:
                    break
                await asyncio.sleep(0.5)
        finally:
            BenchServer.stop_profiler(spy)
        await asyncio.sleep(2)  # the last pushes on their way
        pushed = [t - due.timestamp() for t in sockets.pushed]
        expected = sum(
            len(range(i, args.count, args.members))
            for i in range(args.members)
            if member_email(i) in tokens
        )
        return {
            "ahead_s": round(ahead, 1),
            "subscribed": live,
            "recorded": count,
            "last_recorded_s": round(last.timestamp() - due.timestamp(), 2) if last else None,
            "pushes": len(pushed),
            "pushes_expected": expected if live == len(tokens) else None,
            "push_errors": sockets.errors,
            "push_s": summary_ms(pushed, (50, 99)),
            "jobs_left": await asyncio.to_thread(waiting_jobs, server),
            "progress": samples[:: max(1, len(samples) // 30)],
        }
    finally:
        await sockets.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile_limit()
    server = BenchServer(
        db=args.db,
        broadcast="redis" if args.db == "postgres" else "memory",
        keep=args.keep,
        extra_env={"QIYOU_HTTP_MAX_CONNECTIONS_PER_IP": "0"},
    )
    try:
        server.create_database()
        step = max(1, args.members // max(1, args.subscribers))
        emails = [member_email(i) for i in range(0, args.members, step)][: args.subscribers]
        print(f"provisioning {args.members} members ({args.db}) ...", flush=True)
        provision_s, tokens = provision(server, args.members, 10, emails)
        # The due instant: the start of a minute after the events are made and the server is
        # up with its sockets (estimated), at least --lead seconds on.
        ready = time.time() + args.count * args.per_event_s + args.lead
        due = datetime.fromtimestamp((int(ready) // 60 + 1) * 60, UTC)
        print(f"making {args.count} events with reminders due at {due:%H:%M} UTC ...", flush=True)
        events_s = make_events(server, args, due)
        print(f"made in {events_s:.1f} s; starting the server", flush=True)
        if waiting_jobs(server) != args.count:
            raise RuntimeError(f"{waiting_jobs(server)} reminder jobs, not {args.count}")
        server.start()
        out = asyncio.run(measure(args, server, tokens, due))
        problems, first = server.log_problems()
    finally:
        server.close()
    last = out["last_recorded_s"]
    complete = out["recorded"] == args.count and out["jobs_left"] == 0
    return {
        "bench": "calendar_reminders",
        "db": args.db,
        "count": args.count,
        "members": args.members,
        "subscribers": args.subscribers,
        "due": due.isoformat(),
        **out,
        "rate_per_s": round(out["recorded"] / last, 1) if last else None,
        "target_s": args.target,
        "target_met": complete and last is not None and last <= args.target,
        "provision_s": round(provision_s, 1),
        "events_s": round(events_s, 1),
        "server_log_errors": problems,
        "server_log_first_errors": first,
        "machine": machine(),
    }


def print_summary(f: dict[str, Any]) -> None:
    print()
    print(
        f"Calendar reminders  db={f['db']}  {f['count']} PUSH reminders due at "
        f"{f['due']} over {f['members']} members ({f['subscribed']} subscribed)"
    )
    last = f["last_recorded_s"]
    print(
        f"  recorded {f['recorded']}/{f['count']}, the last {last} s after due "
        f"({f['rate_per_s']} a second); {f['jobs_left']} jobs left"
    )
    p = f["push_s"]
    print(
        f"  pushes {f['pushes']}/{f['pushes_expected']} to the subscribers: "
        f"p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, last {p['max_ms']} ms after due"
    )
    print(f"  server log errors {f['server_log_errors']}")
    m = f["machine"]
    print(f"  machine: {m['cpus']} × {m['cpu_model']}, {m['ram_gib']} GiB RAM")
    print(
        f"  target: {f['count']} sent within {f['target_s']:g} s of due: "
        f"{'MET' if f['target_met'] else 'NOT MET'}"
    )
    print()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    figures = run(args)
    print_summary(figures)
    print_json(figures)
    return 0 if figures["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
