"""Rooms' answers (issue 19, item 3): a meeting that books a room is stored once per change,
already holding the room's answer — the rooms answer before the organizer's event is written
(``invitations.answer_rooms``), so ``send_changes`` only books; each store raises the
calendar's version (CalDAV's ctag) by one, which is what is counted. A room with fewer seats
than the meeting has people declines, with the reason ``capacity`` shown over GraphQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from mailcore.calendar import calendars, events, ical
from mailcore.calendar.access import caller
from mailcore.core.models import Calendar, CalendarEvent, CalendarKind, MeetingRoom, Member
from tests.e2e.client import login
from tests.e2e.server import PASSWORD


def _fields(summary: str, start: datetime) -> ical.EventFields:
    return ical.fields_for(
        summary=summary,
        start=start,
        end=start + timedelta(hours=1),
        all_day=False,
        time_zone="Asia/Shanghai",
        alarms=[],
    )


async def _version(calendar_id: int) -> int:
    return (await Calendar.get(id=calendar_id)).version


def _status(event: CalendarEvent, address: str) -> str:
    found = ical.attendees_of(ical.read(event.ical))
    return next(p.status for p in found if p.address == address)


async def test_a_meeting_with_a_room_is_stored_once_with_the_room_s_answer(service):
    member = await Member.get(email="bob@example.com")
    who = await caller(member.id)
    mine = (await calendars.default_calendar(who, "Asia/Shanghai")).id
    bookings = await Calendar.create(
        enterprise_id=who.enterprise_id, owner_id=None, kind=CalendarKind.ROOM, name="Room S"
    )
    room = await MeetingRoom.create(
        enterprise_id=who.enterprise_id,
        calendar_id=bookings.id,
        name="Room S",
        address=f"room.{uuid.uuid4().hex[:8]}@example.com",
    )
    start = (datetime.now(UTC) + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)

    version = await _version(mine)
    first = await events.create(who, mine, _fields("Board", start), attendees=[room.address])
    assert await _version(mine) == version + 1  # one store, the answer in it
    assert _status(first, room.address) == "ACCEPTED"
    assert await CalendarEvent.filter(calendar_id=bookings.id, uid=first.uid).exists()

    version = await _version(mine)
    clash = await events.create(
        who, mine, _fields("Clash", start + timedelta(minutes=30)), attendees=[room.address]
    )
    assert await _version(mine) == version + 1
    assert _status(clash, room.address) == "DECLINED"

    # the first meeting moves away: changed once, and the second gets the room when saved
    version = await _version(mine)
    moved = await events.update(who, first.id, _fields("Board", start + timedelta(hours=3)))
    assert await _version(mine) == version + 1
    assert _status(moved, room.address) == "ACCEPTED"
    version = await _version(mine)
    again = await events.update(
        who, clash.id, _fields("Clash", start + timedelta(minutes=30)), attendees=[room.address]
    )
    assert await _version(mine) == version + 1
    assert _status(again, room.address) == "ACCEPTED"
    booked = await CalendarEvent.filter(calendar_id=bookings.id).values_list("uid", flat=True)
    assert sorted(booked) == sorted([first.uid, clash.uid])


ATTENDEES = """
query R($s: DateTime!, $e: DateTime!) {
  calendarEvents(start: $s, end: $e) { id attendees { address status reason } }
}
"""


async def test_a_room_too_small_for_the_meeting_declines_with_the_reason(service):
    member = await Member.get(email="bob@example.com")
    who = await caller(member.id)
    mine = (await calendars.default_calendar(who, "Asia/Shanghai")).id
    bookings = await Calendar.create(
        enterprise_id=who.enterprise_id, owner_id=None, kind=CalendarKind.ROOM, name="Booth"
    )
    room = await MeetingRoom.create(
        enterprise_id=who.enterprise_id,
        calendar_id=bookings.id,
        name="Booth",
        address=f"booth.{uuid.uuid4().hex[:8]}@example.com",
        capacity=2,
    )
    start = (datetime.now(UTC) + timedelta(days=60)).replace(minute=0, second=0, microsecond=0)
    two = ["ann@partner.test"]  # with the organizer: two people, as many as it seats
    fits = await events.create(who, mine, _fields("Pair", start), attendees=[room.address, *two])
    assert _status(fits, room.address) == "ACCEPTED"

    three = ["ann@partner.test", "ben@partner.test"]
    later = start + timedelta(hours=2)
    crowded = await events.create(
        who, mine, _fields("Crowd", later), attendees=[room.address, *three]
    )
    [seat] = [p for p in ical.attendees_of(ical.read(crowded.ical)) if p.address == room.address]
    assert (seat.status, seat.reason) == ("DECLINED", "capacity")
    assert not await CalendarEvent.filter(calendar_id=bookings.id, uid=crowded.uid).exists()

    client = await login(service.graphql_url, "bob@example.com", PASSWORD)
    window = {"s": later.isoformat(), "e": (later + timedelta(hours=1)).isoformat()}
    found = (await client.data(ATTENDEES, **window))["calendarEvents"]
    [shown] = [e for e in found if e["id"] == str(crowded.id)]
    answers = {a["address"]: (a["status"], a["reason"]) for a in shown["attendees"]}
    assert answers[room.address] == ("DECLINED", "capacity")
    assert answers["ann@partner.test"] == ("NEEDS_ACTION", None)

    # one attendee fewer: the room takes the meeting, the reason goes
    fewer = await events.update(
        who, crowded.id, _fields("Crowd", later), attendees=[room.address, *two]
    )
    [seat] = [p for p in ical.attendees_of(ical.read(fewer.ical)) if p.address == room.address]
    assert (seat.status, seat.reason) == ("ACCEPTED", "")
