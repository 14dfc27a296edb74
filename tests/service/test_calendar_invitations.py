"""Meeting mail goes out once: the organizer's change and the job that mails it commit
together, and the job done twice (two workers, or again after a crash) sends one mail; a
job whose mail another worker is sending is tried again later, never dropped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from mailcore.calendar import calendars, events, ical, invitations
from mailcore.calendar.access import caller
from mailcore.core.models import CalendarMailClaim, Member, Message


async def test_an_invitation_job_done_twice_sends_one_mail(service):
    member = await Member.get(email="bob@example.com")
    who = await caller(member.id)
    calendar_id = (await calendars.default_calendar(who, "Asia/Shanghai")).id
    start = (datetime.now(UTC) + timedelta(days=4)).replace(microsecond=0)
    fields = ical.fields_for(
        summary="Supplier review",
        start=start,
        end=None,
        all_day=False,
        time_zone="Asia/Shanghai",
        rrule="",
        alarms=[],
    )
    made = await events.create(who, calendar_id, fields, attendees=["buyer@external.test"])
    data = ical.read(made.ical)
    job = invitations._job(member.id, data, "REQUEST", ["buyer@external.test"])
    handler = invitations.Mailer(service.runtime.ingestor)
    first, second = await asyncio.gather(handler.send(job.payload), handler.send(job.payload))
    assert sorted([first, second]) == ["busy", "sent"]  # the busy one is tried again later
    assert await handler.send(job.payload) == "done"  # again, later: still once
    message_id = f"itip.{job.payload['key']}@example.com"
    assert await Message.filter(message_id=message_id).count() == 1
    # the job events.create wrote itself was mailed by the worker, once
    for _ in range(50):
        sent = await Message.filter(subject="邀请: Supplier review").count()
        if sent == 2:
            break
        await asyncio.sleep(0.1)
    assert sent == 2

    # a worker that died after claiming a job and before storing its mail: taken again later
    left = invitations._job(member.id, data, "CANCEL", ["buyer@external.test"])
    claimed = datetime.now(UTC)
    await CalendarMailClaim.create(key=left.payload["key"], claimed_at=claimed)
    assert await handler.send(left.payload) == "busy"  # fresh: somebody may be sending it
    await CalendarMailClaim.filter(key=left.payload["key"]).update(
        claimed_at=claimed - invitations.CLAIM - timedelta(seconds=1)
    )
    assert await handler.send(left.payload) == "sent"
