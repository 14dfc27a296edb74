"""A reminder that falls due while no server runs (issue 19, item 4): a member makes an event
with a mail and push reminder due seconds later, the server is killed (SIGKILL) before it is
due and started again on the same data after it was due; the reminder mail comes once, and
a second kill and start after it came sends nothing more — on SQLite and on PostgreSQL.

The push: a restarted process does the reminders that fell due at start-up, before it
listens for sockets, and pushes are live only (by design). On PostgreSQL + Redis the member's
socket is on a web process of the same deployment (``serve --roles http``) that stays up
while the server with the worker role is killed and started again: the push reaches it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, Subscription, login
from tests.e2e.server import PASSWORD, Server
from tests.e2e.test_calendar import event
from tests.e2e.test_roles import RoleNode

LEAD = 15  # seconds from making the event to its reminder (killed well before)
REMINDED = "subscription { calendarReminder { eventId summary minutesBefore } }"
INBOX = """
query F { messages(folder: "INBOX", first: 100) { edges { node { subject } } } }
"""


async def reminders_in_inbox(client: GraphQLClient, summary: str) -> list[str]:
    data = await client.data(INBOX)
    subjects = [e["node"]["subject"] for e in data["messages"]["edges"]]
    return [s for s in subjects if s.startswith(f"提醒: {summary} ")]


def kill(srv: Server) -> None:
    assert srv.process is not None
    srv.process.send_signal(signal.SIGKILL)
    srv.process.wait()
    srv.log.close()


def jobs(srv: Server) -> int:
    return int(srv.sql("SELECT count(*) FROM outbox WHERE topic = 'calendar.reminder'"))


def sent(srv: Server) -> int:
    return int(srv.sql("SELECT count(*) FROM calendar_reminder_sent"))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_reminder_due_while_the_server_was_killed_comes_once_after_restart(
    backend, tmp_path_factory
):
    data_dir = tmp_path_factory.mktemp(f"reminder-restart-{backend}")
    with private_server(backend, data_dir) as srv:
        async with contextlib.AsyncExitStack() as stack:
            bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
            pushes = None
            if backend == "postgres":  # a web process of the deployment that stays up
                web = RoleNode(data_dir=data_dir / "web", env=dict(srv.env), roles="http")
                web.data_dir.mkdir()
                web.start()
                stack.callback(web.stop)
                pushes = await stack.enter_async_context(
                    Subscription(web.ws_url, bob.token, REMINDED)
                )
                await asyncio.sleep(0.5)  # the web process subscribes to the bus after `subscribe`
            start = (datetime.now(UTC) + timedelta(minutes=1, seconds=LEAD)).replace(microsecond=0)
            due = start - timedelta(minutes=1)
            made = await event(
                bob,
                summary="Restart check",
                start=start.isoformat(),
                reminders=[{"minutesBefore": 1, "channels": ["PUSH", "MAIL"]}],
            )
            assert made["__typename"] == "CalendarEvent", made
            kill(srv)
            assert datetime.now(UTC) < due, "killed before the reminder was due"
            assert (jobs(srv), sent(srv)) == (1, 0), "the reminder waits in the outbox"

            await asyncio.sleep((due - datetime.now(UTC)).total_seconds() + 2)
            assert jobs(srv) == 1 and sent(srv) == 0, "nothing sent it while no server ran"
            srv.start()  # on the same data dir and database
            bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
            deadline = time.monotonic() + 30
            while not (mine := await reminders_in_inbox(bob, "Restart check")):
                assert time.monotonic() < deadline, "no reminder mail after the restart"
                await asyncio.sleep(0.2)
            if pushes is not None:
                got = (await pushes.next(timeout=20))["calendarReminder"]
                assert got == {
                    "eventId": made["id"],
                    "summary": "Restart check",
                    "minutesBefore": 1,
                }
            await asyncio.sleep(5)  # more than two polls of the outbox: nothing comes again
            mine = await reminders_in_inbox(bob, "Restart check")
            local = start.astimezone(datetime.fromisoformat(made["start"]).tzinfo)
            assert mine == [f"提醒: Restart check {local:%m-%d %H:%M}"], mine
            assert (jobs(srv), sent(srv)) == (0, 1)

            kill(srv)  # and once more, after it was sent: the job is done, not done again
            srv.start()
            bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
            await asyncio.sleep(5)
            assert len(await reminders_in_inbox(bob, "Restart check")) == 1
            assert (jobs(srv), sent(srv)) == (0, 1)
            if pushes is not None:  # and one push only
                with pytest.raises(TimeoutError):
                    await pushes.next(timeout=0.5)
