"""A client's event object checked as GraphQL input is (size, components, UID, text lengths,
times, recurrence rules, attendees), and an event shown busy-only."""

from __future__ import annotations

import pytest

from mailcore.calendar import ical
from mailcore.core.models import CalendarEvent
from mailcore.dav import errors, objects
from mailcore.dav.errors import DavError

UID = "e1@test"


def event(extra: str = "", uid: str = UID, start: str = "20270510T090000") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20270101T000000Z\r\nDTSTART;TZID=Asia/Shanghai:{start}\r\n"
        f"DTEND;TZID=Asia/Shanghai:20270510T100000\r\nSUMMARY:Plan\r\n{extra}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


async def test_a_good_event_passes() -> None:
    data = objects.parse(event("RRULE:FREQ=WEEKLY;COUNT=3\r\nLOCATION:Room 1\r\n"), UID)
    await objects.check(data)
    assert ical.is_recurring(data)


@pytest.mark.parametrize(
    ("body", "status", "condition"),
    [
        (b"BEGIN:VCALENDAR\r\ngarbage", 400, errors.VALID_DATA),
        (b"\xff\xfe", 400, errors.VALID_DATA),
        (event(uid="other"), 403, errors.VALID_OBJECT),
        (
            event("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:soon\r\nEND:VALARM\r\n"),
            400,
            errors.VALID_DATA,
        ),
        (event("X" * (objects.MAX_OBJECT + 1)), 403, errors.MAX_SIZE),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:e1@test\r\nEND:VTODO\r\n"
            b"END:VCALENDAR\r\n",
            403,
            errors.SUPPORTED_COMPONENT,
        ),
    ],
)
def test_what_is_not_one_event_is_refused(body: bytes, status: int, condition: str) -> None:
    with pytest.raises(DavError) as refused:
        objects.parse(body, UID)
    assert (refused.value.status, refused.value.condition) == (status, condition)


@pytest.mark.parametrize(
    ("extra", "start", "condition"),
    [
        ("RRULE:FREQ=SECONDLY\r\n", "20270510T090000", errors.VALID_OBJECT),
        ("RRULE:FREQ=HOURLY\r\n", "20270510T090000", errors.VALID_OBJECT),
        ("RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31\r\n", "20270510T090000", errors.VALID_OBJECT),
        ("", "30000101T090000", errors.VALID_OBJECT),
        ("", "20270510T110000", errors.VALID_OBJECT),  # ends before it starts
        (f"DESCRIPTION:{'x' * (ical.MAX_TEXT + 1)}\r\n", "20270510T090000", errors.VALID_OBJECT),
        (
            "".join(f"ATTENDEE:mailto:a{n}@example.org\r\n" for n in range(300)),
            "20270510T090000",
            errors.MAX_ATTENDEES,
        ),
        ("SEQUENCE:many\r\n", "20270510T090000", errors.VALID_OBJECT),
        (
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n" * 6,
            "20270510T090000",
            errors.VALID_OBJECT,
        ),
    ],
)
async def test_input_beyond_the_limits_is_refused(extra: str, start: str, condition: str) -> None:
    data = objects.parse(event(extra, start=start), UID)
    with pytest.raises(DavError) as refused:
        await objects.check(data)
    assert (refused.value.status, refused.value.condition) == (403, condition)


def test_a_busy_only_view_keeps_the_times_and_nothing_else() -> None:
    data = objects.parse(
        event(
            "DESCRIPTION:Secret\r\nLOCATION:Clinic\r\nATTENDEE:mailto:x@example.org\r\n"
            "RRULE:FREQ=DAILY;COUNT=2\r\n"
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n"
        ),
        UID,
    )
    row = CalendarEvent(ical=ical.write(data), etag="abc")
    shown = objects.text(row, masked=True)
    for secret in ("Plan", "Secret", "Clinic", "x@example.org", "VALARM"):
        assert secret not in shown
    assert "SUMMARY:Busy" in shown and "RRULE:FREQ=DAILY;COUNT=2" in shown
    assert "DTSTART;TZID=Asia/Shanghai:20270510T090000" in shown
    assert objects.etag(row, masked=True) != objects.etag(row, masked=False)
    assert objects.text(row, masked=False) == row.ical
