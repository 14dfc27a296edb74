"""Calendar reminders over the wire (issue 19, item 4): a reminder that falls due reaches the
member's open socket (calendarReminder) and their inbox, once. Sending once and old
schedules of a changed event: tests/service/test_calendar_reminders.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.client import Subscription
from tests.e2e.test_calendar import event, make_team

REMINDED = """subscription { calendarReminder { eventId summary location start minutesBefore } }"""
FIND_ALL = """
query F { messages(folder: "INBOX", first: 100) { edges { node { subject } } } }
"""


@pytest.fixture(scope="module")
async def team(server):
    return await make_team(server)


def soon(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


async def subjects(client) -> list[str]:
    data = await client.data(FIND_ALL)
    return [e["node"]["subject"] for e in data["messages"]["edges"]]


async def test_a_due_reminder_is_pushed_and_mailed_once(server, team):
    client = team["owner_client"]
    async with Subscription(server.ws_url, client.token, REMINDED) as reminders:
        await asyncio.sleep(0.5)  # the server subscribes to the bus right after `subscribe`
        made = await event(
            client,
            summary="Stand-up soon",
            location="Room 7",
            start=soon(3),
            reminders=[{"minutesBefore": 5, "channels": ["PUSH", "MAIL"]}],
        )
        assert made["__typename"] == "CalendarEvent", made
        got = (await reminders.next(timeout=20))["calendarReminder"]
    assert got["eventId"] == made["id"] and got["summary"] == "Stand-up soon"
    assert got["location"] == "Room 7" and got["minutesBefore"] == 5
    for _ in range(100):
        mine = [s for s in await subjects(client) if s.startswith("提醒: Stand-up soon")]
        if mine:
            break
        await asyncio.sleep(0.1)
    assert len(mine) == 1, mine
