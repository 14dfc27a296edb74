"""CalDAV (issue 19, item 5) against a real server with the ``caldav`` client: discovery
through /.well-known/caldav with a member's password, the calendar list, events made over
DAV seen over GraphQL and back, If-Match and stale ETags, deletion, sync-collection, a
read-only share, other members' paths, wrong passwords and hostile input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import quote
from xml.etree import ElementTree

import caldav
import httpx
import pytest
from caldav.lib.error import AuthorizationError, NotFoundError

from tests.e2e.server import PASSWORD
from tests.e2e.test_calendar import CALENDARS, CREATE_EVENT, EVENTS, SHARE, member
from tests.e2e.test_groups import Directory

NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav"}
PROPFIND_HOME = b"""<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"
    xmlns:cs="http://calendarserver.org/ns/" xmlns:a="http://apple.com/ns/ical/">
  <d:prop><d:displayname/><a:calendar-color/><cs:getctag/><d:sync-token/>
    <d:current-user-privilege-set/><c:supported-calendar-component-set/><d:resourcetype/>
  </d:prop>
</d:propfind>"""
SYNC = """<?xml version="1.0"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>
<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""


def ics(uid: str, summary: str, start: str = "20270510T090000", extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//caldav//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270101T000000Z\r\n"
        f"DTSTART;TZID=Asia/Shanghai:{start}\r\nDURATION:PT1H\r\nSUMMARY:{summary}\r\n"
        f"{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def day(month: int, date: int) -> dict[str, datetime]:
    start = datetime(2027, month, date, tzinfo=UTC)
    return {"start": start, "end": start.replace(day=date + 1)}


def sync(web: httpx.Client, base: str, token: str) -> tuple[list[str], list[str], str]:
    """A sync-collection report: the hrefs changed, those gone, and the new token."""
    answer = web.request("REPORT", base, content=SYNC.format(token=token), headers={"Depth": "1"})
    assert answer.status_code == 207, answer.text
    root = ElementTree.fromstring(answer.content)
    changed, gone = [], []
    for node in root.findall("d:response", NS):
        href = node.findtext("d:href", namespaces=NS)
        (gone if node.find("d:status", NS) is not None else changed).append(href)
    return sorted(changed), sorted(gone), root.findtext("d:sync-token", namespaces=NS)


def dav_client(server, email: str, password: str = PASSWORD) -> caldav.DAVClient:
    return caldav.DAVClient(
        url=f"{server.url}/.well-known/caldav", username=email, password=password, auth_type="basic"
    )


def http(server, email: str, password: str = PASSWORD) -> httpx.Client:
    return httpx.Client(base_url=server.url, auth=(email, password), timeout=30)


@pytest.fixture(scope="module")
async def pair(server):
    """Two members of the provisioned company: (email, GraphQL client) each."""
    directory = await Directory.open(server)
    return [await member(server, directory, name) for name in ("davowner", "davreader")]


async def default_id(client) -> str:
    listed = (await client.data(CALENDARS))["calendars"]
    return next(c["id"] for c in listed if c["default"])


async def test_discovery_lists_the_calendars_and_a_wrong_password_is_refused(server, pair):
    (email, client), _ = pair
    calendar_id = await default_id(client)
    with http(server, email) as web:
        found = web.request("PROPFIND", "/.well-known/caldav", follow_redirects=False)
        assert found.status_code == 301 and found.headers["location"] == "/dav/"
        home = web.request(
            "PROPFIND", f"/dav/calendars/{email}/", content=PROPFIND_HOME, headers={"Depth": "1"}
        )
        options = web.options(f"/dav/calendars/{email}/")
        patch = web.request(
            "PROPPATCH",
            f"/dav/calendars/{email}/{calendar_id}/",
            content=b'<d:propertyupdate xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/">'
            b"<d:set><d:prop><a:calendar-order>2</a:calendar-order></d:prop></d:set>"
            b"</d:propertyupdate>",
        )
    assert "calendar-access" in options.headers["dav"] and "REPORT" in options.headers["allow"]
    assert patch.status_code == 207 and "403 Forbidden" in patch.text  # names: in the web app
    assert home.status_code == 207, home.text
    assert f"/dav/calendars/{email}/{calendar_id}/" in home.text
    assert "#1677ff" in home.text and "getctag" in home.text and "VEVENT" in home.text
    principal = dav_client(server, email).principal()
    calendars = principal.calendars()
    assert str(calendar_id) in [str(c.url).rstrip("/").rsplit("/", 1)[-1] for c in calendars]
    with pytest.raises(AuthorizationError):
        dav_client(server, email, "wrong-password").principal()
    with httpx.Client(base_url=server.url) as anonymous:
        refused = anonymous.request("PROPFIND", "/dav/")
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")


async def test_an_event_goes_both_ways_with_etags_and_sync(server, pair):
    (email, client), _ = pair
    calendar_id = await default_id(client)
    calendar = dav_client(server, email).principal().calendar(cal_id=calendar_id)
    token = calendar.objects_by_sync_token(load_objects=False, disable_fallback=True).sync_token

    uid = f"{uuid.uuid4()}"
    calendar.save_event(ics(uid, "Made over DAV"))
    seen = (await client.data(EVENTS, s="2027-05-10T00:00:00Z", e="2027-05-11T00:00:00Z"))[
        "calendarEvents"
    ]
    assert [e["summary"] for e in seen] == ["Made over DAV"]
    assert seen[0]["start"].startswith("2027-05-10T09:00:00+08:00")

    made = (
        await client.data(
            CREATE_EVENT,
            i={"summary": "Made over GraphQL", "start": "2027-05-10T14:00:00+08:00"},
        )
    )["createEvent"]
    assert made["__typename"] == "CalendarEvent", made
    found = calendar.search(**day(5, 10), event=True)
    assert sorted(str(e.icalendar_component["SUMMARY"]) for e in found) == [
        "Made over DAV",
        "Made over GraphQL",
    ]
    outside = calendar.search(**day(6, 1), event=True)
    assert outside == []

    gql_uid = next(
        str(e.icalendar_component["UID"])
        for e in found
        if str(e.icalendar_component["SUMMARY"]) == "Made over GraphQL"
    )
    base = f"/dav/calendars/{email}/{calendar_id}/"
    names = {uid: f"{base}{uid}.ics", gql_uid: f"{base}{quote(gql_uid, safe='')}.ics"}
    with http(server, email) as web:
        changed, gone, second = sync(web, base, token)
        assert (sorted(changed), gone) == (sorted(names.values()), [])  # both new
        assert sync(web, base, second)[:2] == ([], [])  # nothing since

        current = web.get(names[uid])
        assert current.status_code == 200 and "Made over DAV" in current.text
        etag = current.headers["etag"]
        put = web.put(
            names[uid],
            content=ics(uid, "Changed over DAV"),
            headers={"If-Match": etag, "Content-Type": "text/calendar"},
        )
        assert put.status_code == 204, put.text
        stale = web.put(names[uid], content=ics(uid, "Stale"), headers={"If-Match": etag})
        assert stale.status_code == 412
        exists = web.put(names[uid], content=ics(uid, "Again"), headers={"If-None-Match": "*"})
        assert exists.status_code == 412
        assert "Changed over DAV" in web.get(names[uid]).text

    calendar.event_by_uid(gql_uid).delete()
    after = (await client.data(EVENTS, s="2027-05-10T00:00:00Z", e="2027-05-11T00:00:00Z"))[
        "calendarEvents"
    ]
    assert [e["summary"] for e in after] == ["Changed over DAV"]

    with http(server, email) as web:
        changed, gone, third = sync(web, base, second)
    assert (changed, gone) == ([names[uid]], [names[gql_uid]])
    since = calendar.objects_by_sync_token(sync_token=second, disable_fallback=True)
    assert sorted(str(o.url).rsplit("/", 1)[-1] for o in since) == sorted(
        n.rsplit("/", 1)[-1] for n in names.values()
    )
    later = calendar.objects_by_sync_token(sync_token=since.sync_token, disable_fallback=True)
    assert list(later) == []
    with http(server, email) as web:
        bad = web.request(
            "REPORT",
            f"/dav/calendars/{email}/{calendar_id}/",
            content=SYNC.format(token="http://qiyou.invalid/ns/sync/999999999-4"),
        )
    assert bad.status_code == 403 and "valid-sync-token" in bad.text


async def test_an_all_day_event_from_a_client_is_a_day_in_the_calendar_s_zone(server, pair):
    (email, client), _ = pair
    calendar_id = await default_id(client)
    uid = f"{uuid.uuid4()}"
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//macOS 15//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270101T000000Z\r\n"
        "DTSTART;VALUE=DATE:20270525\r\nDTEND;VALUE=DATE:20270526\r\nSUMMARY:Holiday\r\n"
        "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with http(server, email) as web:
        put = web.put(f"/dav/calendars/{email}/{calendar_id}/{uid}.ics", content=body)
        assert put.status_code == 201, put.text
        stored = web.get(f"/dav/calendars/{email}/{calendar_id}/{uid}.ics").text
    assert "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC" in stored  # kept as the client wrote
    seen = (await client.data(EVENTS, s="2027-05-24T18:00:00Z", e="2027-05-25T18:00:00Z"))[
        "calendarEvents"
    ]
    [holiday] = [e for e in seen if e["summary"] == "Holiday"]
    assert holiday["allDay"] and holiday["start"].startswith("2027-05-25T00:00:00+08:00")


async def test_a_read_share_is_read_only_and_others_paths_are_not_found(server, pair):
    (owner, owner_client), (reader, _) = pair
    calendar_id = await default_id(owner_client)
    shared = await owner_client.data(SHARE, id=calendar_id, access="READ", members=[reader])
    assert shared["shareCalendar"]["__typename"] == "CalendarShares", shared
    private = await owner_client.data(
        CREATE_EVENT,
        i={
            "summary": "Secret dentist",
            "start": "2027-05-12T09:00:00+08:00",
            "privacy": "PRIVATE",
        },
    )
    assert private["createEvent"]["__typename"] == "CalendarEvent", private
    calendar = dav_client(server, reader).principal().calendar(cal_id=calendar_id)
    shown = calendar.search(**day(5, 12), event=True)
    assert [str(e.icalendar_component["SUMMARY"]) for e in shown] == ["Busy"]
    with http(server, reader) as web:
        listing = web.request(
            "PROPFIND", f"/dav/calendars/{reader}/", content=PROPFIND_HOME, headers={"Depth": "1"}
        )
        assert f"/dav/calendars/{reader}/{calendar_id}/" in listing.text
        put = web.put(
            f"/dav/calendars/{reader}/{calendar_id}/x-{uuid.uuid4()}.ics",
            content=ics("ignored", "Not mine"),
        )
        assert put.status_code == 403 and "need-privileges" in put.text
        other_home = web.request("PROPFIND", f"/dav/calendars/{owner}/", headers={"Depth": "0"})
        assert other_home.status_code == 404
        other_event = web.get(f"/dav/calendars/{owner}/{calendar_id}/x.ics")
        assert other_event.status_code == 404
    with http(server, owner) as web:
        own_ids = await default_id(owner_client)
        reader_default = web.get(f"/dav/calendars/{owner}/{int(own_ids) + 100000}/")
        assert reader_default.status_code in (404, 405)
    with pytest.raises((AuthorizationError, NotFoundError)):
        calendar.save_event(ics(f"{uuid.uuid4()}", "Not mine either"))

    # EDIT: the reader writes events, but the owner's private one stays busy-only to them
    edit = await owner_client.data(SHARE, id=calendar_id, access="EDIT", members=[reader])
    assert edit["shareCalendar"]["__typename"] == "CalendarShares", edit
    [busy] = calendar.search(**day(5, 12), event=True)
    busy_url = str(busy.url)
    uid = f"{uuid.uuid4()}"
    with http(server, reader) as web:
        made = web.put(
            f"/dav/calendars/{reader}/{calendar_id}/{uid}.ics", content=ics(uid, "By the reader")
        )
        assert made.status_code == 201, made.text
        over = web.put(busy_url, content=ics(busy_url.rsplit("/", 1)[-1][:-4], "Overwritten"))
        assert over.status_code == 403 and "need-privileges" in over.text
        assert web.delete(busy_url).status_code == 403
    seen = (await owner_client.data(EVENTS, s="2027-05-10T00:00:00Z", e="2027-05-13T00:00:00Z"))[
        "calendarEvents"
    ]
    summaries = {e["summary"] for e in seen if e["calendarId"] == calendar_id}
    assert {"By the reader", "Secret dentist"} <= summaries and "Overwritten" not in summaries


async def test_hostile_input_gets_clear_errors(server, pair):
    (email, client), _ = pair
    calendar_id = await default_id(client)
    base = f"/dav/calendars/{email}/{calendar_id}/"
    with http(server, email) as web:
        malformed = web.request("PROPFIND", base, content=b"<d:propfind xmlns:d='DAV:'><d:prop>")
        assert malformed.status_code == 400
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><d:propfind xmlns:d="DAV:">&b;</d:propfind>'
        )
        assert web.request("PROPFIND", base, content=bomb).status_code == 400
        uid = str(uuid.uuid4())
        garbage = web.put(f"{base}{uid}.ics", content=b"BEGIN:VCALENDAR\r\nnot ical at all")
        assert garbage.status_code == 400 and "valid-calendar-data" in garbage.text
        secondly = web.put(
            f"{base}{uid}.ics", content=ics(uid, "Every second", extra="RRULE:FREQ=SECONDLY\r\n")
        )
        assert secondly.status_code == 403 and "valid-calendar-object-resource" in secondly.text
        big = ics(uid, "Big", extra=f"DESCRIPTION:{'x' * 700_000}\r\n")
        too_big = web.put(f"{base}{uid}.ics", content=big)
        assert too_big.status_code == 403 and "max-resource-size" in too_big.text
        huge = ics(uid, "Huge", extra=f"DESCRIPTION:{'x' * 5_000_000}\r\n")
        assert web.put(f"{base}{uid}.ics", content=huge).status_code == 413
        crowd = "".join(f"ATTENDEE:mailto:a{n}@example.org\r\n" for n in range(10_000))
        crowded = web.put(f"{base}{uid}.ics", content=ics(uid, "Crowd", extra=crowd))
        assert crowded.status_code == 403 and "max-attendees-per-instance" in crowded.text
        wrong_uid = web.put(f"{base}{uid}.ics", content=ics("another-uid", "Mismatch"))
        assert wrong_uid.status_code == 403
        todo = web.put(
            f"{base}{uid}.ics",
            content=f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:{uid}\r\n"
            "END:VTODO\r\nEND:VCALENDAR\r\n",
        )
        assert todo.status_code == 403 and "supported-calendar-component" in todo.text
        outside = web.request("PROPFIND", "/dav/calendars/../principals/x/", headers={"Depth": "0"})
        assert outside.status_code == 404
        assert web.get(f"{base}{uid}.ics").status_code == 404  # nothing was stored


CREATE_APP_PASSWORD = """
mutation C($name: String!) {
  createAppPassword(name: $name) { __typename ... on AppPasswordCreated { secret } }
}
"""
LOGINS = "{ myLogins(first: 20) { edges { node { client success reason } } } }"
ATTENDEES = """
query R($s: DateTime!, $e: DateTime!) {
  calendarEvents(start: $s, end: $e) { calendarId summary organizer { address }
    attendees { address status } }
}
"""


async def test_a_meeting_put_over_dav_invites_and_the_answer_comes_back(server, pair):
    (owner, owner_client), (reader, reader_client) = pair
    owner_calendar = await default_id(owner_client)
    reader_calendar = await default_id(reader_client)
    uid = f"{uuid.uuid4()}"
    people = (
        f"ORGANIZER:mailto:{owner}\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{owner}\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{reader}\r\n"  # not the organizer's to answer
    )
    with http(server, owner) as web:
        made = web.put(
            f"/dav/calendars/{owner}/{owner_calendar}/{uid}.ics",
            content=ics(uid, "Planning", "20270520T100000", people),
        )
    assert made.status_code == 201, made.text
    seen = await reader_client.data(ATTENDEES, s="2027-05-20T00:00:00Z", e="2027-05-21T00:00:00Z")
    [copy] = [e for e in seen["calendarEvents"] if e["calendarId"] == reader_calendar]
    assert copy["organizer"]["address"] == owner
    assert copy["attendees"] == [{"address": reader, "status": "NEEDS_ACTION"}]

    secret = (await reader_client.data(CREATE_APP_PASSWORD, name="DAVx5"))["createAppPassword"][
        "secret"
    ]
    with http(server, reader, secret) as web:
        url = f"/dav/calendars/{reader}/{reader_calendar}/{uid}.ics"
        mine = web.get(url)
        assert mine.status_code == 200 and "Planning" in mine.text
        answered = mine.text.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED")
        put = web.put(url, content=answered, headers={"If-Match": mine.headers["etag"]})
        assert put.status_code == 204, put.text
    organizer_view = (
        await owner_client.data(ATTENDEES, s="2027-05-20T00:00:00Z", e="2027-05-21T00:00:00Z")
    )["calendarEvents"]
    [meeting] = [e for e in organizer_view if e["calendarId"] == owner_calendar]
    assert meeting["attendees"] == [{"address": reader, "status": "ACCEPTED"}]
    logins = (await reader_client.data(LOGINS))["myLogins"]["edges"]
    assert {"client": "DAV", "success": True, "reason": "app_password"} in [
        e["node"] for e in logins
    ]


HIDDEN_MEMBER = """
mutation M($i: CreateMemberInput!) {
  createMember(input: $i) { __typename ... on AdminError { code field message } }
}
"""
HOME_SETS = b"""<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"
    xmlns:card="urn:ietf:params:xml:ns:carddav">
  <d:prop><c:calendar-home-set/><card:addressbook-home-set/></d:prop></d:propfind>"""
MULTIGET = """<?xml version="1.0"?>
<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
<d:prop><d:getetag/><card:address-data/></d:prop>{hrefs}</card:addressbook-multiget>"""


async def test_the_directory_is_a_read_only_address_book_without_hidden_members(server, pair):
    (email, _), _ = pair
    directory = await Directory.open(server)
    department = await directory.department(f"Cards {uuid.uuid4().hex[:6]}")
    visible = await directory.member("cardvisible", [department])
    hidden = f"cardhidden.{uuid.uuid4().hex[:8]}@example.com"
    made = await directory.client.data(
        HIDDEN_MEMBER, i={"email": hidden, "password": PASSWORD, "name": "Hidden", "hidden": True}
    )
    assert made["createMember"]["__typename"] == "AdminMember", made
    with http(server, email) as web:
        found = web.request("PROPFIND", "/.well-known/carddav", follow_redirects=False)
        assert found.status_code == 301 and found.headers["location"] == "/dav/"
        principal = web.request(
            "PROPFIND", f"/dav/principals/{email}/", content=HOME_SETS, headers={"Depth": "0"}
        )
        assert f"/dav/addressbooks/{email}/" in principal.text
        assert f"/dav/calendars/{email}/" in principal.text
        listing = web.request(
            "PROPFIND", f"/dav/addressbooks/{email}/directory/", headers={"Depth": "1"}
        )
        assert listing.status_code == 207 and "addressbook" in listing.text
        root = ElementTree.fromstring(listing.content)
        cards = [h for h in (n.text for n in root.iter("{DAV:}href")) if h and h.endswith(".vcf")]
        body = MULTIGET.format(hrefs="".join(f"<d:href>{h}</d:href>" for h in cards))
        got = web.request("REPORT", f"/dav/addressbooks/{email}/directory/", content=body)
        assert got.status_code == 207
        text = got.text
        assert f"EMAIL;TYPE=INTERNET,WORK:{visible}" in text and email in text
        assert hidden not in text
        assert "X-ADDRESSBOOKSERVER-KIND:group" in text
        one = web.get(cards[0])
        assert one.status_code == 200 and one.text.startswith("BEGIN:VCARD")
        refused = web.put(cards[0], content=one.text)
        assert refused.status_code == 403 and "need-privileges" in refused.text
        assert web.delete(cards[0]).status_code == 403


async def test_failed_logins_lock_dav_out_from_that_address_only(server):
    directory = await Directory.open(server)
    email = await directory.member("davlock")

    def propfind(password: str, ip: str) -> int:
        transport = httpx.HTTPTransport(local_address=ip)
        with httpx.Client(
            base_url=server.url, auth=(email, password), transport=transport, timeout=30
        ) as web:
            return web.request("PROPFIND", "/dav/", headers={"Depth": "0"}).status_code

    assert propfind(PASSWORD, "127.0.0.21") == 207
    assert [propfind("wrong-password", "127.0.0.22") for _ in range(5)] == [401] * 5
    assert propfind(PASSWORD, "127.0.0.22") == 401  # locked from there, right password or not
    assert propfind(PASSWORD, "127.0.0.23") == 207
