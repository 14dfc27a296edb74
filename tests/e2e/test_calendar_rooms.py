"""Meeting rooms (issue 19, item 3) over GraphQL against a real server: an administrator
keeps rooms; a meeting that invites a free room gets its ACCEPTED and the booking shows in
the room's calendar and free/busy; a second meeting at an overlapping time (or an occurrence
of a series) gets DECLINED; moving or cancelling a meeting frees the room; rooms get no
mail; bad input and the wrong callers get typed errors."""

from __future__ import annotations

import pytest

from tests.e2e.client import GraphQLClient
from tests.e2e.mail import find
from tests.e2e.test_calendar import (
    DELETE_CALENDAR,
    DELETE_EVENT,
    UPDATE_EVENT,
    event,
    events,
    make_team,
    utc,
)
from tests.e2e.test_groups import admin, tag

ROOM = "... on MeetingRoom { id name address kind capacity location active calendarId }"
CREATE = f"""
mutation C($i: MeetingRoomInput!) {{
  createMeetingRoom(input: $i) {{ __typename {ROOM} ... on CalendarError {{ code field }} }}
}}
"""
UPDATE = f"""
mutation U($id: ID!, $i: MeetingRoomChangesInput!) {{
  updateMeetingRoom(id: $id, input: $i) {{
    __typename {ROOM} ... on CalendarError {{ code field }}
  }}
}}
"""
DELETE = """
mutation D($id: ID!) {
  deleteMeetingRoom(id: $id) { __typename ... on CalendarError { code field } }
}
"""
ROOMS = "{ meetingRooms { id name address capacity active } }"
MEETING = """
query M($s: DateTime!, $e: DateTime!) {
  calendarEvents(start: $s, end: $e) { id uid summary attendees { address status } }
}
"""
FREE_BUSY = """
query F($a: [String!]!, $s: DateTime!, $e: DateTime!) {
  freeBusy(addresses: $a, start: $s, end: $e) { address known busy { start end } }
}
"""


@pytest.fixture(scope="module")
async def team(server):
    people = await make_team(server)
    people["boss"] = await admin(server)
    return people


async def room(boss: GraphQLClient, **fields) -> dict:
    values = {"name": f"Room {tag()}", "address": f"room.{tag()}@example.com", **fields}
    made = (await boss.data(CREATE, i=values))["createMeetingRoom"]
    assert made["__typename"] == "MeetingRoom", made
    return made


def status_of(found: dict, address: str) -> str:
    return next(a["status"] for a in found["attendees"] if a["address"] == address)


async def test_a_free_room_accepts_and_an_overlapping_meeting_is_declined(server, team):
    boss, owner, reader = team["boss"], team["owner_client"], team["reader_client"]
    made = await room(boss, capacity=8, location="3F")
    assert made["capacity"] == 8 and made["kind"] == "ROOM" and made["active"]
    listed = (await reader.data(ROOMS))["meetingRooms"]
    assert made["id"] in {r["id"] for r in listed}  # members see bookable rooms

    day = ("2027-09-01T00:00:00+08:00", "2027-09-02T00:00:00+08:00")
    first = await event(
        owner,
        summary=f"Board {tag()}",
        start="2027-09-01T10:00:00+08:00",
        end="2027-09-01T11:00:00+08:00",
        attendees=[made["address"], team["reader"]],
    )
    assert first["__typename"] == "CalendarEvent", first
    [mine] = [e for e in (await owner.data(MEETING, s=day[0], e=day[1]))["calendarEvents"]]
    assert status_of(mine, made["address"]) == "ACCEPTED"
    assert status_of(mine, team["reader"]) == "NEEDS_ACTION"
    # the booking is in the room's calendar, which members read
    booked = await events(reader, *day, ids=[made["calendarId"]])
    assert [b["summary"] for b in booked] == [mine["summary"]]
    busy = (await reader.data(FREE_BUSY, a=[made["address"]], s=day[0], e=day[1]))["freeBusy"]
    assert busy[0]["known"] and [utc(b["start"]) for b in busy[0]["busy"]] == [
        "2027-09-01T02:00:00+00:00"
    ]

    # the colleague's overlapping meeting: the room declines, the meeting stands
    second = await event(
        reader,
        summary=f"Clash {tag()}",
        start="2027-09-01T10:30:00+08:00",
        end="2027-09-01T11:30:00+08:00",
        attendees=[made["address"]],
    )
    assert second["__typename"] == "CalendarEvent", second
    clash = next(
        e
        for e in (await reader.data(MEETING, s=day[0], e=day[1]))["calendarEvents"]
        if e["id"] == second["id"]
    )
    assert status_of(clash, made["address"]) == "DECLINED"
    assert len(await events(reader, *day, ids=[made["calendarId"]])) == 1

    # the first meeting moves away: the room is free, and the second is accepted on saving
    moved = await owner.data(
        UPDATE_EVENT,
        id=first["id"],
        i={"summary": mine["summary"], "start": "2027-09-01T14:00:00+08:00"},
    )
    assert moved["updateEvent"]["__typename"] == "CalendarEvent", moved
    again = await reader.data(
        UPDATE_EVENT,
        id=second["id"],
        i={"summary": clash["summary"], "start": "2027-09-01T10:30:00+08:00"},
    )
    assert again["updateEvent"]["__typename"] == "CalendarEvent", again
    clash = next(
        e
        for e in (await reader.data(MEETING, s=day[0], e=day[1]))["calendarEvents"]
        if e["id"] == second["id"]
    )
    assert status_of(clash, made["address"]) == "ACCEPTED"
    assert len(await events(reader, *day, ids=[made["calendarId"]])) == 2

    # cancelling frees the room; the room itself never got mail (it is no mailbox)
    gone = await owner.data(DELETE_EVENT, id=first["id"])
    assert gone["deleteEvent"]["__typename"] == "Done", gone
    assert [b["summary"] for b in await events(reader, *day, ids=[made["calendarId"]])] == [
        clash["summary"]
    ]
    assert await find(reader, f"邀请: {mine['summary']}") is not None  # people did


async def test_a_series_is_declined_when_one_occurrence_clashes(server, team):
    boss, owner, reader = team["boss"], team["owner_client"], team["reader_client"]
    made = await room(boss, kind="RESOURCE")
    taken = await event(
        reader,
        summary=f"Taken {tag()}",
        start="2027-10-13T09:00:00+08:00",
        attendees=[made["address"]],
    )
    assert taken["__typename"] == "CalendarEvent", taken
    weekly = await event(
        owner,
        summary=f"Weekly {tag()}",
        start="2027-10-06T09:00:00+08:00",
        recurrence="FREQ=WEEKLY;COUNT=4",
        attendees=[made["address"]],
    )
    window = ("2027-10-06T00:00:00+08:00", "2027-10-07T00:00:00+08:00")
    series = next(
        e
        for e in (await owner.data(MEETING, s=window[0], e=window[1]))["calendarEvents"]
        if e["id"] == weekly["id"]
    )
    assert status_of(series, made["address"]) == "DECLINED"  # the 13th is booked


async def test_rooms_are_kept_by_administrators_with_checked_input(server, team):
    boss, reader = team["boss"], team["reader_client"]
    refused = await reader.execute(CREATE, i={"name": "Mine", "address": f"r{tag()}@example.com"})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    made = await room(boss)
    for values, field in (
        ({"name": "", "address": f"r{tag()}@example.com"}, "name"),
        ({"name": "X", "address": "not an address"}, "address"),
        ({"name": "X", "address": f"r{tag()}@elsewhere.test"}, "address"),
        ({"name": "X", "address": team["owner"]}, "address"),  # a member's
        ({"name": "X", "address": made["address"]}, "address"),  # another room's
        ({"name": "X", "address": f"r{tag()}@example.com", "capacity": -1}, "capacity"),
    ):
        bad = (await boss.data(CREATE, i=values))["createMeetingRoom"]
        assert bad == {"__typename": "CalendarError", "code": "INVALID", "field": field}, values
    # the room's calendar goes only with the room
    kept = await boss.data(DELETE_CALENDAR, id=made["calendarId"])
    assert kept["deleteCalendar"]["code"] == "INVALID"

    hidden = await boss.data(UPDATE, id=made["id"], i={"active": False, "capacity": 20})
    assert hidden["updateMeetingRoom"]["capacity"] == 20
    assert made["id"] not in {r["id"] for r in (await reader.data(ROOMS))["meetingRooms"]}
    assert made["id"] in {r["id"] for r in (await boss.data(ROOMS))["meetingRooms"]}
    # an inactive room is not bookable: its address is no mailbox either
    blocked = await event(
        reader, summary="Nowhere", start="2027-11-01T09:00:00Z", attendees=[made["address"]]
    )
    assert blocked["code"] == "INVALID" and blocked["field"] == "attendees"

    deleted = await boss.data(DELETE, id=made["id"])
    assert deleted["deleteMeetingRoom"]["__typename"] == "Done"
    again = await boss.data(DELETE, id=made["id"])
    assert again["deleteMeetingRoom"]["code"] == "NOT_FOUND"
