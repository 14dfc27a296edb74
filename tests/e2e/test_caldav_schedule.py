"""CalDAV scheduling where clients use it (issue 19, item 3; RFC 6638) against a real server
with the ``caldav`` client: the principal names its scheduling inbox and outbox and its
calendar user address; a VFREEBUSY request POSTed to the outbox (Apple Calendar's
availability panel) is answered from the colleagues' free/busy — times only, also for a
private event; an address outside the company gets an error status; the organizer must be
the member."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import icalendar
import pytest

from tests.e2e.server import PASSWORD
from tests.e2e.test_caldav import dav_client
from tests.e2e.test_calendar import CREATE_EVENT, member
from tests.e2e.test_groups import Directory, tag

REQUEST = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VFREEBUSY\r\nUID:fb-{uid}\r\nDTSTAMP:20270101T000000Z\r\n"
    "DTSTART:20270802T000000Z\r\nDTEND:20270803T000000Z\r\n"
    "ORGANIZER:mailto:{organizer}\r\nATTENDEE:mailto:{attendee}\r\n"
    "END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture(scope="module")
async def two(server):
    directory = await Directory.open(server)
    return [await member(server, directory, name) for name in ("fbasker", "fbbusy")]


async def test_a_free_busy_request_to_the_outbox_is_answered_with_times_only(server, two):
    (asker, _), (busy, busy_client) = two
    made = await busy_client.data(
        CREATE_EVENT,
        i={
            "summary": "Dentist",
            "start": "2027-08-02T10:00:00+08:00",
            "end": "2027-08-02T11:30:00+08:00",
            "privacy": "PRIVATE",
        },
    )
    assert made["createEvent"]["__typename"] == "CalendarEvent", made

    principal = dav_client(server, asker).principal()
    outbox = principal.schedule_outbox()
    assert str(outbox.url).endswith(f"/dav/calendars/{asker}/outbox/")
    assert str(principal.schedule_inbox().url).endswith(f"/dav/calendars/{asker}/inbox/")
    assert f"mailto:{asker}" in principal.calendar_user_address_set()

    answers = principal.freebusy_request(
        datetime(2027, 8, 2, tzinfo=UTC),
        datetime(2027, 8, 3, tzinfo=UTC),
        [f"mailto:{busy}", "mailto:stranger@elsewhere.test"],
    )
    reply = icalendar.Calendar.from_ical(answers[f"mailto:{busy}"].data)
    [answer] = list(reply.walk("VFREEBUSY"))
    assert str(reply["METHOD"]) == "REPLY"
    periods = [tuple(value.dt) for value in _list(answer["FREEBUSY"])]
    assert periods == [
        (datetime(2027, 8, 2, 2, 0, tzinfo=UTC), datetime(2027, 8, 2, 3, 30, tzinfo=UTC))
    ]
    assert answer["FREEBUSY"].params["FBTYPE"] == "BUSY"
    assert "Dentist" not in answers[f"mailto:{busy}"].data  # times only
    assert answers["errors"]["mailto:stranger@elsewhere.test"].startswith("3.7")

    # the organizer of a request is the member asking
    with httpx.Client(base_url=server.url, auth=(asker, PASSWORD), timeout=30) as web:
        forged = web.post(
            f"/dav/calendars/{asker}/outbox/",
            content=REQUEST.format(uid=tag(), organizer=busy, attendee=asker).encode(),
            headers={"Content-Type": "text/calendar"},
        )
        not_ical = web.post(f"/dav/calendars/{asker}/outbox/", content=b"hello")
        inbox = web.request("PROPFIND", f"/dav/calendars/{asker}/inbox/", headers={"Depth": "1"})
    assert forged.status_code == 403
    assert not_ical.status_code == 400
    assert inbox.status_code == 207 and "schedule-inbox" in inbox.text


def _list(value: object) -> list:
    return value if isinstance(value, list) else [value]
