"""Calendar over GraphQL (issue 19, item 1): calendars, events in a time zone, recurrences
expanded per range with one occurrence changed or deleted, all-day events, sharing with
members and departments (free/busy, read, edit), private events, company calendars, and
what other members and other companies may not see or change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import find
from tests.e2e.policy_company import Company
from tests.e2e.server import PASSWORD
from tests.e2e.test_admin_roles import GRANT
from tests.e2e.test_groups import Directory, admin, tag

CALENDARS = """{ calendars { id name color default company role subscribed timeZone
  owner { address } } }"""
AVAILABLE = "{ availableCalendars { id name role subscribed company } }"
CREATE_CALENDAR = """
mutation C($i: CalendarInput!) {
  createCalendar(input: $i) {
    __typename ... on Calendar { id name role company } ... on CalendarError { code field }
  }
}
"""
UPDATE_CALENDAR = """
mutation U($id: ID!, $i: CalendarChangesInput!) {
  updateCalendar(id: $id, input: $i) {
    __typename ... on Calendar { name color } ... on CalendarError { code field }
  }
}
"""
DELETE_CALENDAR = """
mutation D($id: ID!) { deleteCalendar(id: $id) { __typename ... on CalendarError { code field } } }
"""
SHARE = """
mutation S($id: ID!, $access: CalendarAccess!, $members: [String!], $deps: [ID!]) {
  shareCalendar(id: $id, access: $access, members: $members, departmentIds: $deps) {
    __typename
    ... on CalendarShares { shares { id access member { address } departmentId } }
    ... on CalendarError { code field message }
  }
}
"""
UNSHARE = """
mutation U($id: ID!) { unshareCalendar(shareId: $id) { __typename ... on CalendarError { code } } }
"""
SUBSCRIBE = """
mutation S($id: ID!) {
  subscribeCalendar(id: $id) {
    __typename ... on Calendar { id role } ... on CalendarError { code }
  }
}
"""
CREATE_EVENT = """
mutation E($i: EventInput!) {
  createEvent(input: $i) {
    __typename
    ... on CalendarEvent { id calendarId summary start end allDay timeZone recurrence }
    ... on CalendarError { code field message }
  }
}
"""
UPDATE_EVENT = """
mutation U($id: ID!, $i: EventInput!, $o: DateTime) {
  updateEvent(id: $id, input: $i, occurrence: $o) {
    __typename ... on CalendarEvent { id summary } ... on CalendarError { code field message }
  }
}
"""
DELETE_EVENT = """
mutation D($id: ID!, $o: DateTime) {
  deleteEvent(id: $id, occurrence: $o) { __typename ... on CalendarError { code field message } }
}
"""
EVENTS = """
query R($s: DateTime!, $e: DateTime!, $ids: [ID!]) {
  calendarEvents(start: $s, end: $e, calendarIds: $ids) {
    id calendarId summary description location start end allDay recurrenceId busyOnly editable
    privacy
  }
}
"""


def utc(value: str) -> str:
    """An instant the server wrote (in the event's zone) as UTC, to compare."""
    return datetime.fromisoformat(value).astimezone(UTC).isoformat()


async def member(server, directory: Directory, prefix: str, deps: list[str] | None = None):
    email = await directory.member(prefix, deps)
    return email, await login(server.graphql_url, email, PASSWORD)


async def default_calendar(client: GraphQLClient) -> dict:
    listed = (await client.data(CALENDARS))["calendars"]
    return next(c for c in listed if c["default"])


async def event(client: GraphQLClient, **fields) -> dict:
    return (await client.data(CREATE_EVENT, i=fields))["createEvent"]


async def events(client: GraphQLClient, start: str, end: str, ids=None) -> list[dict]:
    return (await client.data(EVENTS, s=start, e=end, ids=ids))["calendarEvents"]


async def make_team(server) -> dict:
    """owner and three colleagues: reader, indept (in department D's sub-department),
    outsider; D and its sub-department; each with a signed-in client."""
    directory = await Directory.open(server)
    d = await directory.department(f"Cal {tag()}")
    d2 = await directory.department(f"Cal sub {tag()}", parent=d)
    people = {"D": d, "D2": d2}
    for name, deps in (("owner", None), ("reader", None), ("indept", [d2]), ("outsider", None)):
        people[name], people[f"{name}_client"] = await member(server, directory, name, deps)
    return people


@pytest.fixture(scope="module")
async def team(server):
    return await make_team(server)


CARD = """
query C($id: ID!) {
  message(id: $id) {
    invitation {
      method uid summary start end allDay location organizer { address } recurrence
      event { id } myStatus outdated replies { address status }
    }
  }
}
"""


async def invitation(client: GraphQLClient, message_id: str) -> dict | None:
    return (await client.data(CARD, id=message_id))["message"]["invitation"]


async def test_a_member_has_a_default_calendar_made_once(server, team):
    client = team["outsider_client"]
    first = (await client.data(CALENDARS))["calendars"]
    again = (await client.data(CALENDARS))["calendars"]
    assert [c["id"] for c in first] == [c["id"] for c in again]
    [default] = [c for c in first if c["default"]]
    assert default["role"] == "OWNER" and default["timeZone"] == "Asia/Shanghai"
    assert default["owner"]["address"] == team["outsider"]
    refused = (await client.data(DELETE_CALENDAR, id=default["id"]))["deleteCalendar"]
    assert refused == {"__typename": "CalendarError", "code": "INVALID", "field": "id"}


async def test_a_weekly_event_keeps_its_local_time_and_one_occurrence_changes(server, team):
    client = team["owner_client"]
    created = await event(
        client,
        summary="Weekly sync",
        start="2027-03-01T10:00:00+08:00",
        end="2027-03-01T11:00:00+08:00",
        timeZone="America/New_York",
        recurrence="FREQ=WEEKLY;COUNT=4",
        location="Room 1",
    )
    assert created["__typename"] == "CalendarEvent", created
    assert created["recurrence"] == "FREQ=WEEKLY;COUNT=4"
    assert created["timeZone"] == "America/New_York"
    # 10:00 in Shanghai is 21:00 the day before in New York (EST); New York moves to daylight
    # saving on 14 March 2027, after which the series stays at 21:00 New York = 09:00 here.
    found = await events(client, "2027-02-20T00:00:00Z", "2027-04-01T00:00:00Z")
    mine = [e for e in found if e["id"] == created["id"]]
    assert [e["start"][-6:] for e in mine] == ["-05:00", "-05:00", "-04:00", "-04:00"]
    assert [utc(e["start"]) for e in mine] == [
        "2027-03-01T02:00:00+00:00",
        "2027-03-08T02:00:00+00:00",
        "2027-03-15T01:00:00+00:00",
        "2027-03-22T01:00:00+00:00",
    ]
    assert all(e["location"] == "Room 1" and e["editable"] for e in mine)
    second, third = mine[1]["recurrenceId"], mine[2]["recurrenceId"]

    moved = await client.data(
        UPDATE_EVENT,
        id=created["id"],
        o=second,
        i={"summary": "Weekly sync (moved)", "start": "2027-03-09T15:00:00+08:00"},
    )
    assert moved["updateEvent"]["__typename"] == "CalendarEvent", moved
    gone = await client.data(DELETE_EVENT, id=created["id"], o=third)
    assert gone["deleteEvent"]["__typename"] == "Done", gone
    after = [
        e
        for e in await events(client, "2027-02-20T00:00:00Z", "2027-04-01T00:00:00Z")
        if e["id"] == created["id"]
    ]
    assert [(e["summary"], utc(e["start"])) for e in after] == [
        ("Weekly sync", "2027-03-01T02:00:00+00:00"),
        ("Weekly sync (moved)", "2027-03-09T07:00:00+00:00"),
        ("Weekly sync", "2027-03-22T01:00:00+00:00"),
    ]
    # a range that holds only the last occurrence expands only that one
    last = await events(client, "2027-03-21T00:00:00Z", "2027-03-23T00:00:00Z")
    assert [utc(e["start"]) for e in last if e["id"] == created["id"]] == [
        "2027-03-22T01:00:00+00:00"
    ]

    bad = await client.data(
        UPDATE_EVENT,
        id=created["id"],
        o="2027-03-02T02:00:00+00:00",
        i={"summary": "x", "start": "2027-03-02T10:00:00+08:00"},
    )
    assert bad["updateEvent"]["code"] == "INVALID" and bad["updateEvent"]["field"] == "occurrence"


async def test_all_day_and_open_ended_events(server, team):
    client = team["owner_client"]
    yearly = await event(
        client,
        summary="Company day",
        start="2027-05-20T00:00:00+08:00",
        allDay=True,
        recurrence="FREQ=YEARLY",
    )
    assert yearly["allDay"] is True, yearly
    found = await events(client, "2030-05-19T16:00:00Z", "2030-05-21T16:00:00Z")
    [day] = [e for e in found if e["id"] == yearly["id"]]
    assert (day["start"], day["end"], day["allDay"]) == (
        "2030-05-20T00:00:00+08:00",
        "2030-05-21T00:00:00+08:00",
        True,
    )


NEVER = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31"  # no date is 31 February


async def test_bad_input_gets_typed_errors(server, team):
    client = team["owner_client"]
    cases = [
        ({"summary": " ", "start": "2027-01-01T10:00:00Z"}, "summary"),
        ({"summary": "x", "start": "2027-01-01T10:00:00Z", "end": "2027-01-01T09:00:00Z"}, "end"),
        ({"summary": "x", "start": "2027-01-01T10:00:00Z", "timeZone": "Mars/Base"}, "timeZone"),
        (
            {"summary": "x", "start": "2027-01-01T10:00:00Z", "recurrence": "FREQ=SECONDLY"},
            "recurrence",
        ),
        ({"summary": "x", "start": "2027-01-01T10:00:00Z", "recurrence": "BYDAY=ZZ"}, "recurrence"),
        ({"summary": "x", "start": "2027-01-01T10:00:00Z", "recurrence": NEVER}, "recurrence"),
        ({"summary": "x", "start": "1900-01-01T10:00:00Z"}, "start"),
        (
            {"summary": "x", "start": "2027-01-01T10:00:00Z", "attendees": ["no.one@example.com"]},
            "attendees",
        ),
        (
            {"summary": "x", "start": "2027-01-01T10:00:00Z", "attendees": ["not an address"]},
            "attendees",
        ),
        ({"summary": "x", "start": "2027-01-01T10:00:00Z", "calendarId": "999999999"}, "id"),
    ]
    for fields, field in cases:
        result = await event(client, **fields)
        assert result["__typename"] == "CalendarError" and result["field"] == field, (
            fields,
            result,
        )
    body = await client.execute(EVENTS, s="2027-01-01T00:00:00Z", e="2029-01-01T00:00:00Z")
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    body = await client.execute(EVENTS, s="2027-01-02T00:00:00Z", e="2027-01-01T00:00:00Z")
    assert body["errors"][0]["extensions"]["field"] == "end"


async def test_sharing_gives_free_busy_read_or_edit_and_hides_private_events(server, team):
    owner = team["owner_client"]
    made = await owner.data(CREATE_CALENDAR, i={"name": f"Projects {tag()}", "color": "#00aa00"})
    calendar = made["createCalendar"]
    assert calendar["role"] == "OWNER", made
    public = await event(
        owner,
        calendarId=calendar["id"],
        summary="Launch review",
        start="2027-06-01T10:00:00+08:00",
        description="agenda",
        location="HQ",
    )
    private = await event(
        owner,
        calendarId=calendar["id"],
        summary="Doctor",
        start="2027-06-01T15:00:00+08:00",
        privacy="PRIVATE",
    )
    window = ("2027-06-01T00:00:00+08:00", "2027-06-02T00:00:00+08:00")
    reader, indept, outsider = team["reader_client"], team["indept_client"], team["outsider_client"]

    # before any share nobody else sees it, nor can they show it or add to it
    assert await events(outsider, *window, ids=[calendar["id"]]) == []
    refused = await outsider.data(SUBSCRIBE, id=calendar["id"])
    assert refused["subscribeCalendar"] == {"__typename": "CalendarError", "code": "NOT_FOUND"}
    denied = await event(outsider, calendarId=calendar["id"], summary="x", start=window[0])
    assert denied["code"] == "NOT_FOUND"

    shared = await owner.data(SHARE, id=calendar["id"], access="READ", members=[team["reader"]])
    assert [s["member"]["address"] for s in shared["shareCalendar"]["shares"]] == [team["reader"]]
    listed = {c["id"]: c for c in (await reader.data(CALENDARS))["calendars"]}
    assert listed[calendar["id"]]["role"] == "READ" and listed[calendar["id"]]["subscribed"]
    seen = {e["summary"]: e for e in await events(reader, *window)}
    assert (
        seen["Launch review"]["description"] == "agenda" and not seen["Launch review"]["editable"]
    )
    assert seen["Busy"]["busyOnly"] and seen["Busy"]["location"] == ""
    assert "Doctor" not in seen
    refused = await event(reader, calendarId=calendar["id"], summary="x", start=window[0])
    assert refused["code"] == "FORBIDDEN"
    refused = await reader.data(DELETE_EVENT, id=public["id"])
    assert refused["deleteEvent"]["code"] == "FORBIDDEN"

    # a department share reaches members of its sub-departments, who choose to show it
    await owner.data(SHARE, id=calendar["id"], access="FREEBUSY", deps=[team["D"]])
    offered = {c["id"]: c for c in (await indept.data(AVAILABLE))["availableCalendars"]}
    assert (
        offered[calendar["id"]]["role"] == "FREEBUSY" and not offered[calendar["id"]]["subscribed"]
    )
    busy = await events(indept, *window, ids=[calendar["id"]])
    assert [(e["summary"], e["busyOnly"], e["description"]) for e in busy] == [
        ("Busy", True, ""),
        ("Busy", True, ""),
    ]
    assert (await indept.data(SUBSCRIBE, id=calendar["id"]))["subscribeCalendar"]["role"] == (
        "FREEBUSY"
    )

    # edit access lets the reader change events; the owner sees the private event in full
    again = await owner.data(SHARE, id=calendar["id"], access="EDIT", members=[team["reader"]])
    shares = again["shareCalendar"]["shares"]
    assert sorted(s["access"] for s in shares) == ["EDIT", "FREEBUSY"]
    changed = await reader.data(
        UPDATE_EVENT, id=public["id"], i={"summary": "Launch review v2", "start": window[0]}
    )
    assert changed["updateEvent"]["summary"] == "Launch review v2", changed
    mine = {e["summary"] for e in await events(owner, *window, ids=[calendar["id"]])}
    assert mine == {"Launch review v2", "Doctor"}
    assert private["__typename"] == "CalendarEvent"

    # taking a share back takes the calendar away
    reader_share = next(s for s in shares if s["member"])
    assert (await owner.data(UNSHARE, id=reader_share["id"]))["unshareCalendar"][
        "__typename"
    ] == "Done"
    assert calendar["id"] not in {c["id"] for c in (await reader.data(CALENDARS))["calendars"]}
    assert await events(reader, *window, ids=[calendar["id"]]) == []
    refused = await reader.data(UNSHARE, id=reader_share["id"])
    assert refused["unshareCalendar"]["code"] == "NOT_FOUND"


async def test_only_the_owner_renames_shares_or_deletes(server, team):
    owner, reader = team["owner_client"], team["reader_client"]
    calendar = (await owner.data(CREATE_CALENDAR, i={"name": f"Team {tag()}"}))["createCalendar"]
    await owner.data(SHARE, id=calendar["id"], access="EDIT", members=[team["reader"]])
    for query, variables, name in (
        (UPDATE_CALENDAR, {"id": calendar["id"], "i": {"name": "mine now"}}, "updateCalendar"),
        (DELETE_CALENDAR, {"id": calendar["id"]}, "deleteCalendar"),
        (
            SHARE,
            {"id": calendar["id"], "access": "READ", "members": [team["outsider"]]},
            "shareCalendar",
        ),
    ):
        result = (await reader.data(query, **variables))[name]
        assert result["code"] == "FORBIDDEN", (name, result)
    bad = await owner.data(UPDATE_CALENDAR, id=calendar["id"], i={"color": "red"})
    assert bad["updateCalendar"] == {
        "__typename": "CalendarError",
        "code": "INVALID",
        "field": "color",
    }
    renamed = await owner.data(UPDATE_CALENDAR, id=calendar["id"], i={"name": "Team B"})
    assert renamed["updateCalendar"]["name"] == "Team B"
    unknown = await owner.data(
        SHARE, id=calendar["id"], access="READ", members=["nobody@else.test"]
    )
    assert unknown["shareCalendar"]["field"] == "members"
    deleted = await owner.data(DELETE_CALENDAR, id=calendar["id"])
    assert deleted["deleteCalendar"]["__typename"] == "Done"
    assert calendar["id"] not in {c["id"] for c in (await reader.data(CALENDARS))["calendars"]}


async def test_company_calendars_are_read_by_members_and_kept_to_their_company(server, team):
    boss = await admin(server)
    refused = await team["reader_client"].data(
        CREATE_CALENDAR, i={"name": "Not mine to make", "company": True}
    )
    assert refused["createCalendar"]["code"] == "FORBIDDEN"
    # an administrator without the calendar permission is refused too
    granted = await boss.data(
        GRANT, email=team["indept"], super=False, perms=["members"], deps=[team["D"]]
    )
    assert granted["grantAdmin"]["__typename"] == "AdminRoleType", granted
    scoped = await login(server.graphql_url, team["indept"], PASSWORD)
    refused = await scoped.data(CREATE_CALENDAR, i={"name": "Not mine either", "company": True})
    assert refused["createCalendar"]["code"] == "FORBIDDEN"
    made = await boss.data(CREATE_CALENDAR, i={"name": f"Holidays {tag()}", "company": True})
    holidays = made["createCalendar"]
    assert holidays["company"] and holidays["role"] == "OWNER", made
    day = await event(
        boss,
        calendarId=holidays["id"],
        summary="Spring festival",
        start="2027-02-06T00:00:00+08:00",
        allDay=True,
    )
    assert day["__typename"] == "CalendarEvent", day
    member = team["outsider_client"]
    offered = {c["id"]: c for c in (await member.data(AVAILABLE))["availableCalendars"]}
    assert offered[holidays["id"]]["role"] == "READ"
    seen = await events(
        member, "2027-02-05T16:00:00Z", "2027-02-06T16:00:00Z", ids=[holidays["id"]]
    )
    assert [e["summary"] for e in seen] == ["Spring festival"]

    other = await Company.create(server, "calother")
    stranger = await other.client(await other.member("cal"))
    offered = {c["id"] for c in (await stranger.data(AVAILABLE))["availableCalendars"]}
    assert holidays["id"] not in offered
    assert (
        await events(stranger, "2027-02-05T16:00:00Z", "2027-02-06T16:00:00Z", ids=[holidays["id"]])
        == []
    )
    refused = await stranger.data(SUBSCRIBE, id=holidays["id"])
    assert refused["subscribeCalendar"]["code"] == "NOT_FOUND"
    denied = await stranger.data(DELETE_EVENT, id=day["id"])
    assert denied["deleteEvent"]["code"] == "NOT_FOUND"
    denied = await stranger.data(SHARE, id=holidays["id"], access="READ", members=[team["reader"]])
    assert denied["shareCalendar"]["code"] == "NOT_FOUND"


async def test_calendar_fields_need_a_signed_in_member(server):
    anonymous = GraphQLClient(server.graphql_url)
    body = await anonymous.execute(CALENDARS)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- meetings: invitations (iTIP over iMIP), answers, changes, cancellation, free/busy -------

MEETING = """
query R($s: DateTime!, $e: DateTime!) {
  calendarEvents(start: $s, end: $e) {
    id uid summary start organizer { address } attendees { address status }
  }
}
"""
RESPOND = """
mutation A($id: ID!, $s: AttendeeStatus!) {
  respondToEvent(id: $id, status: $s) {
    __typename ... on CalendarEvent { id } ... on CalendarError { code field }
  }
}
"""
FREE_BUSY = """
query F($a: [String!]!, $s: DateTime!, $e: DateTime!) {
  freeBusy(addresses: $a, start: $s, end: $e) { address known busy { start end } }
}
"""
EXTERNAL = "partner@external.test"


async def meeting(client: GraphQLClient, uid: str, start: str) -> dict | None:
    end = (datetime.fromisoformat(start) + timedelta(days=1)).isoformat()
    found = (await client.data(MEETING, s=start, e=end))["calendarEvents"]
    return next((e for e in found if e["uid"] == uid), None)


async def raw_mail(server, client: GraphQLClient, subject: str) -> str:
    found = await find(client, subject, wait=10)
    assert found is not None, f"no mail {subject!r}"
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get(f"/messages/{found['id']}/raw", headers=client.headers())
    assert response.status_code == 200
    return response.text


async def test_an_invitation_reaches_colleagues_directly_and_everyone_by_mail(server, team):
    owner, reader = team["owner_client"], team["reader_client"]
    title = f"Planning {tag()}"
    start = "2027-07-01T10:00:00+08:00"
    created = await event(owner, summary=title, start=start, attendees=[team["reader"], EXTERNAL])
    assert created["__typename"] == "CalendarEvent", created
    listed = (await owner.data(MEETING, s=start, e="2027-07-02T00:00:00+08:00"))["calendarEvents"]
    mine = next(e for e in listed if e["id"] == created["id"])
    assert mine["organizer"]["address"] == team["owner"]
    assert {(a["address"], a["status"]) for a in mine["attendees"]} == {
        (team["reader"], "NEEDS_ACTION"),
        (EXTERNAL, "NEEDS_ACTION"),
    }

    # the colleague has it in their calendar already, and the invitation in their inbox
    copy = await meeting(reader, mine["uid"], start)
    assert copy is not None and copy["id"] != mine["id"]
    assert copy["organizer"]["address"] == team["owner"]
    text = await raw_mail(server, reader, f"邀请: {title}")
    first = await find(reader, f"邀请: {title}")
    card = await invitation(reader, first["id"])
    assert card["event"]["id"] == copy["id"] and card["myStatus"] == "NEEDS_ACTION"
    assert "text/calendar" in text and 'method="REQUEST"' in text
    assert "METHOD:REQUEST" in text and f"UID:{mine['uid']}" in text
    assert "ATTENDEE" in text and EXTERNAL in text
    # the external attendee's copy is queued for delivery, and the organizer keeps it in Sent
    assert await find(owner, f"邀请: {title}", folder="SENT") is not None

    # the answer shows in the organizer's calendar at once (no mail round trip)
    answered = await reader.data(RESPOND, id=copy["id"], s="ACCEPTED")
    assert answered["respondToEvent"]["__typename"] == "CalendarEvent", answered
    mine = await meeting(owner, mine["uid"], start)
    statuses = {a["address"]: a["status"] for a in mine["attendees"]}
    assert statuses == {team["reader"]: "ACCEPTED", EXTERNAL: "NEEDS_ACTION"}
    refused = await team["outsider_client"].data(RESPOND, id=copy["id"], s="ACCEPTED")
    assert refused["respondToEvent"]["code"] == "NOT_FOUND"

    # a change moves everyone's copy, keeps the answers and is mailed again
    later = "2027-07-01T14:00:00+08:00"
    changed = await owner.data(UPDATE_EVENT, id=mine["id"], i={"summary": title, "start": later})
    assert changed["updateEvent"]["__typename"] == "CalendarEvent", changed
    copy = await meeting(reader, mine["uid"], start)
    assert utc(copy["start"]) == "2027-07-01T06:00:00+00:00"
    assert {a["address"]: a["status"] for a in copy["attendees"]}[team["reader"]] == "ACCEPTED"
    assert "SEQUENCE:1" in await raw_mail(server, reader, f"已更新邀请: {title}")
    card = await invitation(reader, first["id"])  # the first invitation is older now
    assert card["outdated"] is True and card["myStatus"] == "ACCEPTED"

    # an attendee cannot change who is invited; the organizer removes the colleague
    refused = await reader.data(
        UPDATE_EVENT, id=copy["id"], i={"summary": title, "start": later, "attendees": []}
    )
    assert refused["updateEvent"]["field"] == "attendees"
    removed = await owner.data(
        UPDATE_EVENT,
        id=mine["id"],
        i={"summary": title, "start": later, "attendees": [EXTERNAL]},
    )
    assert removed["updateEvent"]["__typename"] == "CalendarEvent"
    assert await meeting(reader, mine["uid"], start) is None
    cancel = await raw_mail(server, reader, f"已取消: {title}")
    assert "METHOD:CANCEL" in cancel and "STATUS:CANCELLED" in cancel


async def test_deleting_a_meeting_cancels_it_for_colleagues(server, team):
    owner, indept = team["owner_client"], team["indept_client"]
    title = f"Retro {tag()}"
    start = "2027-08-02T10:00:00+08:00"
    created = await event(owner, summary=title, start=start, attendees=[team["indept"]])
    listed = (await owner.data(MEETING, s=start, e="2027-08-03T00:00:00+08:00"))["calendarEvents"]
    uid = next(e["uid"] for e in listed if e["id"] == created["id"])
    assert await meeting(indept, uid, start) is not None
    gone = await owner.data(DELETE_EVENT, id=created["id"])
    assert gone["deleteEvent"]["__typename"] == "Done"
    assert await meeting(indept, uid, start) is None
    assert "METHOD:CANCEL" in await raw_mail(server, indept, f"已取消: {title}")


async def test_free_busy_shows_times_only_and_skips_declined_meetings(server, team):
    owner, indept, outsider = team["owner_client"], team["indept_client"], team["outsider_client"]
    start = "2027-09-01T00:00:00+08:00"
    end = "2027-09-02T00:00:00+08:00"
    await event(
        indept,
        summary="Secret",
        start="2027-09-01T09:00:00+08:00",
        privacy="PRIVATE",
        end="2027-09-01T10:00:00+08:00",
    )
    await event(
        indept,
        summary="Overlap",
        start="2027-09-01T09:30:00+08:00",
        end="2027-09-01T11:00:00+08:00",
    )
    invite = await event(
        owner, summary="Declined one", start="2027-09-01T15:00:00+08:00", attendees=[team["indept"]]
    )
    uid = next(
        e["uid"]
        for e in (await owner.data(MEETING, s=start, e=end))["calendarEvents"]
        if e["id"] == invite["id"]
    )
    copy = await meeting(indept, uid, start)
    await indept.data(RESPOND, id=copy["id"], s="DECLINED")
    found = (
        await outsider.data(FREE_BUSY, a=[team["indept"], "nobody@else.test"], s=start, e=end)
    )["freeBusy"]
    assert found[0]["known"] and not found[1]["known"] and found[1]["busy"] == []
    assert [(utc(b["start"]), utc(b["end"])) for b in found[0]["busy"]] == [
        ("2027-09-01T01:00:00+00:00", "2027-09-01T03:00:00+00:00")
    ]
    body = await outsider.execute(FREE_BUSY, a=[team["indept"]], s=end, e=start)
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
