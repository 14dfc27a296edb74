"""CalDAV calendar collections (issue 19, item 2) with the ``caldav`` client against a real
server: a member renames, recolours and describes their own calendar (PROPPATCH of
displayname, Apple's calendar-color, calendar-description) and the web app's GraphQL shows
it; a PROPPATCH with one bad value changes nothing (all or nothing); a calendar shared with
edit access and the default calendar are refused (403); the member deletes their own
calendar (DELETE of the collection) with its events."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
import pytest
from caldav.elements import cdav, dav
from caldav.elements.ical import CalendarColor
from caldav.lib.error import AuthorizationError

from tests.e2e.server import PASSWORD
from tests.e2e.test_caldav import dav_client, default_id
from tests.e2e.test_calendar import CALENDARS, CREATE_CALENDAR, CREATE_EVENT, SHARE, member
from tests.e2e.test_groups import Directory, tag

PATCH = (
    '<d:propertyupdate xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/">'
    "<d:set><d:prop><d:displayname>{name}</d:displayname>"
    "<a:calendar-color>{color}</a:calendar-color></d:prop></d:set></d:propertyupdate>"
)


@pytest.fixture(scope="module")
async def two(server):
    directory = await Directory.open(server)
    return [await member(server, directory, name) for name in ("colowner", "coleditor")]


async def listed(client, calendar_id: str) -> dict | None:
    found = (await client.data(CALENDARS))["calendars"]
    return next((c for c in found if c["id"] == calendar_id), None)


def patch(server, email: str, calendar_id: str, name: str, color: str) -> httpx.Response:
    with httpx.Client(base_url=server.url, auth=(email, PASSWORD), timeout=30) as web:
        return web.request(
            "PROPPATCH",
            f"/dav/calendars/{email}/{calendar_id}/",
            content=PATCH.format(name=name, color=color).encode(),
        )


def statuses(reply: httpx.Response) -> dict[str, str]:
    """Each property's status in a PROPPATCH multistatus, by the property's local name."""
    root = ElementTree.fromstring(reply.content)
    found = {}
    for propstat in root.iter("{DAV:}propstat"):
        status = propstat.findtext("{DAV:}status", "")
        for prop in propstat.find("{DAV:}prop"):
            found[prop.tag.rsplit("}", 1)[-1]] = status.split(" ")[1]
    return found


async def test_a_member_s_own_calendar_is_renamed_recoloured_and_deleted_by_a_client(server, two):
    (owner, owner_client), (editor, _) = two
    made = await owner_client.data(CREATE_CALENDAR, i={"name": f"Projects {tag()}"})
    calendar_id = made["createCalendar"]["id"]
    calendar = dav_client(server, owner).principal().calendar(cal_id=calendar_id)
    calendar.set_properties(
        [
            dav.DisplayName("项目 Projects"),
            CalendarColor("#FF8800FF"),  # as Apple Calendar writes it (with alpha)
            cdav.CalendarDescription("team plans"),
        ]
    )
    shown = await listed(owner_client, calendar_id)
    assert (shown["name"], shown["color"]) == ("项目 Projects", "#FF8800")
    assert calendar.get_property(dav.DisplayName()) == "项目 Projects"
    assert calendar.get_property(cdav.CalendarDescription()) == "team plans"

    # one bad value: that property 409, the others 424, and nothing changes
    refused = patch(server, owner, calendar_id, "Renamed", "red")
    assert refused.status_code == 207
    assert statuses(refused) == {"displayname": "424", "calendar-color": "409"}
    assert (await listed(owner_client, calendar_id))["name"] == "项目 Projects"

    # shared with edit access: the colleague writes events, not the calendar's properties
    shared = await owner_client.data(SHARE, id=calendar_id, access="EDIT", members=[editor])
    assert shared["shareCalendar"]["__typename"] == "CalendarShares", shared
    theirs = patch(server, editor, calendar_id, "Mine now", "#000000")
    assert statuses(theirs) == {"displayname": "403", "calendar-color": "403"}
    assert (await listed(owner_client, calendar_id))["name"] == "项目 Projects"
    with pytest.raises(AuthorizationError, match="Forbidden"):  # 403, not a login failure
        dav_client(server, editor).principal().calendar(cal_id=calendar_id).delete()

    # the default calendar stays
    default = await default_id(owner_client)
    with pytest.raises(AuthorizationError, match="Forbidden"):
        dav_client(server, owner).principal().calendar(cal_id=default).delete()

    # the owner deletes the calendar with its events
    event = await owner_client.data(
        CREATE_EVENT,
        i={"calendarId": calendar_id, "summary": "Plan", "start": "2027-06-01T09:00:00+08:00"},
    )
    assert event["createEvent"]["__typename"] == "CalendarEvent", event
    calendar.delete()
    assert await listed(owner_client, calendar_id) is None
    with httpx.Client(base_url=server.url, auth=(owner, PASSWORD), timeout=30) as web:
        gone = web.request("PROPFIND", f"/dav/calendars/{owner}/{calendar_id}/")
    assert gone.status_code == 404


MKCALENDAR = (
    '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"'
    ' xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop><d:displayname>旅行 Trips'
    "</d:displayname><a:calendar-color>#22AA66FF</a:calendar-color>"
    "<c:calendar-description>where we go</c:calendar-description>"
    "</d:prop></d:set></c:mkcalendar>"
)
EVENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//caldav//EN\r\nBEGIN:VEVENT\r\n"
    "UID:{uid}\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270612T010000Z\r\n"
    "DTEND:20270612T020000Z\r\nSUMMARY:Flight\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


async def test_a_client_makes_a_calendar_at_the_url_it_chose(server, two):
    (owner, owner_client), (editor, _) = two
    principal = dav_client(server, owner).principal()
    made = principal.make_calendar(name=f"Client {tag()}")  # MKCALENDAR at a UUID of its own
    name = str(made.url).rstrip("/").rsplit("/", 1)[-1]
    mine = {c["name"]: c for c in (await owner_client.data(CALENDARS))["calendars"]}
    assert made.get_property(dav.DisplayName()) in mine
    made.save_event(EVENT.format(uid=f"flight-{tag()}"))  # events live at the client's URL
    assert [str(e.icalendar_component["SUMMARY"]) for e in made.events()] == ["Flight"]
    listed = [str(c.url).rstrip("/").rsplit("/", 1)[-1] for c in principal.calendars()]
    assert name in listed  # the home lists it where the client made it

    # name, colour and description in the request body (as Apple Calendar sends them)
    with httpx.Client(base_url=server.url, auth=(owner, PASSWORD), timeout=30) as web:
        trips = web.request(
            "MKCALENDAR", f"/dav/calendars/{owner}/trips-{tag()}/", content=MKCALENDAR.encode()
        )
        again = web.request("MKCALENDAR", trips.request.url.path)
        numeric = web.request("MKCALENDAR", f"/dav/calendars/{owner}/12345/")
        elsewhere = web.request("MKCALENDAR", f"/dav/calendars/{editor}/x-{tag()}/")
    assert trips.status_code == 201, trips.text
    assert again.status_code == 405  # a calendar exists there
    assert numeric.status_code == 403  # ids are the server's
    assert elsewhere.status_code == 404  # another member's home
    everything = (await owner_client.data(CALENDARS))["calendars"]
    shown = next(c for c in everything if "Trips" in c["name"])
    assert (shown["name"], shown["color"], shown["role"]) == ("旅行 Trips", "#22AA66", "OWNER")

    # deleted over DAV at its own URL, with its events
    made.delete()
    names = [str(c.url).rstrip("/").rsplit("/", 1)[-1] for c in principal.calendars()]
    assert name not in names
