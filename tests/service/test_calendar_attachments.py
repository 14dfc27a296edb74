"""Event attachments (issue 19, item 1), in process: a file uploaded to a meeting as compose
uploads one (GraphQL multipart), listed on the event and its attendees' copies, downloaded
with a signed link or (CalDAV clients) Basic credentials, named by the ATTACH of the event's
iCalendar data, carried as a MIME part named by ``CID:`` in the updated invitation mail,
kept by blob GC while attached; busy-only viewers and other members get nothing; limits
answer TOO_LARGE; only the organizer changes a meeting's files."""

from __future__ import annotations

import email
import json
import os
from email import policy
from urllib.parse import quote

import httpx

from mailcore.calendar import files
from mailcore.core.blobs.gc import referenced
from mailcore.core.models import CalendarAttachment
from tests.e2e.client import GraphQLClient, http_client
from tests.e2e.mail import find
from tests.e2e.server import PASSWORD
from tests.e2e.test_calendar import EXTERNAL, SHARE, default_calendar, event, make_team
from tests.e2e.test_groups import tag

ATTACHMENTS = "attachments { id filename contentType size url }"
ADD = f"""
mutation A($id: ID!, $files: [Upload!]!) {{
  addEventAttachments(id: $id, files: $files) {{
    __typename
    ... on CalendarEvent {{ id {ATTACHMENTS} }}
    ... on CalendarError {{ code field message }}
  }}
}}
"""
REMOVE = f"""
mutation R($id: ID!, $a: ID!) {{
  removeEventAttachment(id: $id, attachmentId: $a) {{
    __typename
    ... on CalendarEvent {{ id {ATTACHMENTS} }}
    ... on CalendarError {{ code field }}
  }}
}}
"""
RANGE = f"""
query R($s: DateTime!, $e: DateTime!, $ids: [ID!]) {{
  calendarEvents(start: $s, end: $e, calendarIds: $ids) {{ id uid busyOnly {ATTACHMENTS} }}
}}
"""
DELETE = "mutation D($id: ID!) { deleteEvent(id: $id) { __typename } }"
DAY = ("2027-11-03T00:00:00+08:00", "2027-11-04T00:00:00+08:00")


async def attach(
    client: GraphQLClient, event_id: str, name: str, data: bytes, kind: str = "application/pdf"
) -> dict:
    return await attach_many(client, event_id, [(name, data, kind)])


async def attach_many(
    client: GraphQLClient, event_id: str, uploads: list[tuple[str, bytes, str]]
) -> dict:
    """addEventAttachments with ``uploads`` sent as a GraphQL multipart request."""
    variables = {"id": event_id, "files": [None] * len(uploads)}
    operations = {"query": ADD, "variables": variables}
    mapping = {str(i): [f"variables.files.{i}"] for i in range(len(uploads))}
    async with http_client(client.url) as http:
        response = await http.post(
            client.url,
            headers=client.headers(),
            data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
            files={str(i): upload for i, upload in enumerate(uploads)},
        )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]["addEventAttachments"]


async def get(service, path: str, **options) -> httpx.Response:
    async with http_client(service.url, base_url=service.url) as http:
        return await http.get(path, **options)


async def in_range(client: GraphQLClient, calendar_id: str | None = None) -> list[dict]:
    ids = [calendar_id] if calendar_id else None
    return (await client.data(RANGE, s=DAY[0], e=DAY[1], ids=ids))["calendarEvents"]


async def test_a_meeting_s_file_reaches_attendees_clients_and_the_invitation(service):
    team = await make_team(service)
    owner, reader, outsider = team["owner_client"], team["reader_client"], team["outsider_client"]
    title = f"Budget {tag()}"
    made = await event(
        owner,
        summary=title,
        start="2027-11-03T10:00:00+08:00",
        attendees=[team["reader"], EXTERNAL],
    )
    payload = os.urandom(50_000)
    added = await attach(owner, made["id"], "议程 agenda.pdf", payload)
    assert added["__typename"] == "CalendarEvent", added
    [listed] = added["attachments"]
    assert (listed["filename"], listed["contentType"], listed["size"]) == (
        "议程 agenda.pdf",
        "application/pdf",
        50_000,
    )

    # the colleague's copy lists it, and its signed link downloads it
    [copy] = [e for e in await in_range(reader) if e["uid"] != "" and e["id"] != made["id"]]
    [theirs] = copy["attachments"]
    assert theirs["id"] == listed["id"] and "?ticket=" in theirs["url"]
    got = await get(service, theirs["url"])
    assert got.status_code == 200 and got.content == payload
    assert got.headers["content-type"] == "application/pdf"
    assert "attachment;" in got.headers["content-disposition"]
    bare = theirs["url"].partition("?")[0]
    assert (await get(service, bare)).status_code == 401  # no link, no token
    # another member of the company: no hint it exists
    assert (await get(service, bare, headers=outsider.headers())).status_code == 404
    # nor does an event they write themselves with the meeting's UID and the file's id
    mine = await default_calendar(outsider)
    forged = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//forged//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{copy['uid']}\r\nDTSTAMP:20271101T000000Z\r\nDTSTART:20271103T020000Z\r\n"
        "DTEND:20271103T030000Z\r\nSUMMARY:mine\r\n"
        f"ATTACH;X-QIYOU-ATTACHMENT-ID={listed['id']}:{service.url}{bare}/x.pdf\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    async with http_client(service.url, base_url=service.url) as http:
        put = await http.put(
            f"/dav/calendars/{team['outsider']}/{mine['id']}/{copy['uid']}.ics",
            content=forged.encode(),
            headers={"Content-Type": "text/calendar"},
            auth=(team["outsider"], PASSWORD),
        )
    assert put.status_code in (201, 204), put.text
    assert (await get(service, bare, headers=outsider.headers())).status_code == 404

    # the updated invitation carries the file as a part its ATTACH names by CID (as Outlook)
    mail = await find(reader, f"已更新邀请: {title}", wait=10)
    assert mail is not None
    raw = await get(service, f"/messages/{mail['id']}/raw", headers=reader.headers())
    message = email.message_from_bytes(raw.content, policy=policy.default)
    cid = f"attachment-{listed['id']}@example.com"
    [part] = [p for p in message.walk() if p.get("Content-ID") == f"<{cid}>"]
    assert part.get_content() == payload and part.get_filename() == "议程 agenda.pdf"
    assert part.get_content_disposition() == "attachment"
    [itip] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    unfolded = itip.get_content().replace("\r\n ", "")
    assert "ATTACH;" in unfolded and f":CID:{cid}" in unfolded
    assert "/calendar/attachments/" not in unfolded  # recipients outside cannot follow it
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_content()
    assert "议程 agenda.pdf" in html

    # a CalDAV client reads the ATTACH as a URI and follows it with its Basic credentials
    calendar = await default_calendar(owner)
    dav = f"/dav/calendars/{team['owner']}/{calendar['id']}/{copy['uid']}.ics"
    ics = await get(service, dav, auth=(team["owner"], PASSWORD))
    assert ics.status_code == 200, ics.text
    text = ics.text.replace("\r\n ", "")
    assert f"X-QIYOU-ATTACHMENT-ID={listed['id']}" in text
    uri = text.split(f"X-QIYOU-ATTACHMENT-ID={listed['id']}", 1)[1].split(":", 1)[1]
    uri = uri.split("\r\n", 1)[0]
    assert uri == f"{service.url}{bare}/{quote('议程 agenda.pdf', safe='')}"
    fetched = await get(service, uri, auth=(team["reader"], PASSWORD))
    assert fetched.status_code == 200 and fetched.content == payload
    assert (await get(service, uri, auth=(team["reader"], "wrong"))).status_code == 401
    assert (await get(service, uri, auth=(team["outsider"], PASSWORD))).status_code == 404

    # only the organizer changes a meeting's files
    refused = await attach(reader, copy["id"], "mine.txt", b"x", "text/plain")
    assert (refused["__typename"], refused["field"]) == ("CalendarError", "attachments")

    # the blob is kept while attached, and the file goes when taken off
    row = await CalendarAttachment.get(id=int(listed["id"]))
    assert await referenced([row.sha256]) == {row.sha256}
    removed = (await owner.data(REMOVE, id=made["id"], a=listed["id"]))["removeEventAttachment"]
    assert removed["__typename"] == "CalendarEvent" and removed["attachments"] == []
    assert (await get(service, theirs["url"])).status_code == 404
    [copy] = [e for e in await in_range(reader) if e["id"] == copy["id"]]
    assert copy["attachments"] == []
    assert await referenced([row.sha256]) == set()
    again = (await owner.data(REMOVE, id=made["id"], a=listed["id"]))["removeEventAttachment"]
    assert again["code"] == "NOT_FOUND"


async def test_busy_only_viewers_get_no_files_and_readers_do(service):
    team = await make_team(service)
    owner, outsider = team["owner_client"], team["outsider_client"]
    calendar = await default_calendar(owner)
    made = await event(owner, summary=f"Plan {tag()}", start="2027-11-03T15:00:00+08:00")
    added = await attach(owner, made["id"], "plan.txt", b"the plan", "text/plain")
    [listed] = added["attachments"]
    path = listed["url"].partition("?")[0]

    shared = await owner.data(
        SHARE, id=calendar["id"], access="FREEBUSY", members=[team["outsider"]]
    )
    assert shared["shareCalendar"]["__typename"] == "CalendarShares", shared
    [seen] = [e for e in await in_range(outsider, calendar["id"]) if e["id"] == made["id"]]
    assert seen["busyOnly"] and seen["attachments"] == []
    assert (await get(service, path, headers=outsider.headers())).status_code == 404

    await owner.data(SHARE, id=calendar["id"], access="READ", members=[team["outsider"]])
    [seen] = [e for e in await in_range(outsider, calendar["id"]) if e["id"] == made["id"]]
    assert not seen["busyOnly"] and [a["id"] for a in seen["attachments"]] == [listed["id"]]
    got = await get(service, path, headers=outsider.headers())
    assert got.status_code == 200 and got.content == b"the plan"

    # deleting the event takes its files with it (their blobs go with blob GC)
    assert (await owner.data(DELETE, id=made["id"]))["deleteEvent"]["__typename"] == "Done"
    assert not await CalendarAttachment.filter(id=int(listed["id"])).exists()
    assert (await get(service, path, headers=owner.headers())).status_code == 404


async def test_limits_answer_too_large(service):
    team = await make_team(service)
    owner = team["owner_client"]
    made = await event(owner, summary=f"Big {tag()}", start="2027-11-03T18:00:00+08:00")
    most, total = files.limits(service.runtime.settings.max_message_size)
    assert most < files.MAX_FILE  # the test server's 12 MB mail limit is the tighter one
    refused = await attach(owner, made["id"], "big.bin", b"\0" * (most + 1))
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "CalendarError",
        "TOO_LARGE",
        "attachments",
    )
    assert "MB" in refused["message"]
    many = [(f"{index}.txt", b"x", "text/plain") for index in range(files.MAX_COUNT - 1)]
    done = await attach_many(owner, made["id"], many)  # one change for them all
    assert done["__typename"] == "CalendarEvent" and len(done["attachments"]) == len(many)
    two_more = [("a.txt", b"x", "text/plain"), ("b.txt", b"x", "text/plain")]
    refused = await attach_many(owner, made["id"], two_more)
    assert refused["code"] == "TOO_LARGE"  # nothing of a refused request is kept
    done = await attach_many(owner, made["id"], two_more[:1])
    assert len(done["attachments"]) == files.MAX_COUNT
    assert total >= most
