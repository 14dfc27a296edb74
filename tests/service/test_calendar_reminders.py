"""Reminders are sent once: a job done twice (two processes at once, or again after a crash)
sends one reminder; a job scheduled before the event changed does nothing; after sending,
the next occurrence's reminder is scheduled."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from mailcore.calendar import calendars, events, ical, reminders
from mailcore.calendar.access import caller
from mailcore.core.models import CalendarEvent, CalendarReminderSent, Member, OutboxJob


async def jobs_of(event_id: int) -> list[dict]:
    rows = await OutboxJob.filter(topic=reminders.TOPIC).order_by("id")
    payloads = [json.loads(r.payload) for r in rows]
    return [p for p in payloads if p["event"] == event_id]


async def test_a_reminder_goes_once_and_the_next_one_is_scheduled(service):
    member = await Member.get(email="bob@example.com")
    who = await caller(member.id)
    calendar_id = (await calendars.default_calendar(who, "Asia/Shanghai")).id
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    fields = ical.fields_for(
        summary="Daily check",
        start=start,
        end=None,
        all_day=False,
        time_zone="Asia/Shanghai",
        rrule="FREQ=DAILY;COUNT=5",
        alarms=[ical.Alarm(30, ("PUSH",))],
    )
    made = await events.create(who, calendar_id, fields)
    [job] = await jobs_of(made.id)
    assert job["at"] == start.isoformat() and job["etag"] == made.etag and job["alarm"] == 0
    due = await OutboxJob.filter(topic=reminders.TOPIC).order_by("-id").first()
    assert due.available_at == int((start - timedelta(minutes=30)).timestamp() * 1000)

    handler = reminders.Reminders(service.runtime.bus, service.runtime.ingestor)
    async with service.runtime.bus.subscribe(member.id) as stream:
        await asyncio.sleep(0.3)  # Redis: the subscription is active a moment after SUBSCRIBE
        first, second = await asyncio.gather(handler.send(job), handler.send(job))
        assert sorted([first, second]) == [False, True]
        pushed = await asyncio.wait_for(anext(aiter(stream)), 5)
    assert pushed["kind"] == "calendar_reminder" and pushed["summary"] == "Daily check"
    assert await CalendarReminderSent.filter(event_id=made.id).count() == 1
    assert await handler.send(job) is False  # again, later: still once
    following = [j for j in await jobs_of(made.id) if j["at"] != job["at"]]
    assert [j["at"] for j in following] == [(start + timedelta(days=1)).isoformat()]


async def test_a_job_scheduled_before_a_change_does_nothing(service):
    member = await Member.get(email="bob@example.com")
    who = await caller(member.id)
    calendar_id = (await calendars.default_calendar(who, "Asia/Shanghai")).id
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    fields = ical.fields_for(
        summary="Before",
        start=start,
        end=None,
        all_day=False,
        time_zone="UTC",
        alarms=[ical.Alarm(10, ("PUSH",))],
    )
    made = await events.create(who, calendar_id, fields)
    [old] = await jobs_of(made.id)
    later = ical.fields_for(
        summary="After", start=start + timedelta(hours=1), end=None, all_day=False, time_zone="UTC"
    )
    changed = await events.update(who, made.id, later)
    handler = reminders.Reminders(service.runtime.bus, service.runtime.ingestor)
    assert await handler.send(old) is False
    assert await CalendarReminderSent.filter(event_id=made.id).count() == 0
    new = [j for j in await jobs_of(made.id) if j["etag"] == changed.etag]
    assert len(new) == 1 and new[0]["at"] == (start + timedelta(hours=1)).isoformat()
    assert await CalendarEvent.filter(id=made.id).exists()
