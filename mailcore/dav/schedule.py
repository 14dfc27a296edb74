"""Scheduling over CalDAV where clients use it (RFC 6638): the member's scheduling inbox and
outbox, and a free/busy request POSTed to the outbox (Apple Calendar's availability panel)
answered from colleagues' free/busy (``mailcore.calendar.freebusy``: times only, members
and rooms of the caller's company).

Invitations themselves are not POSTed: the server sends them when an organizer's event is
PUT (``objects.put``, ``calendar-auto-schedule``), and puts invitations straight into the
attendees' calendars, so the inbox is always empty."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element

import icalendar

from mailcore.calendar import freebusy, ical
from mailcore.calendar.access import Caller
from mailcore.calendar.errors import CalendarError
from mailcore.dav.errors import DavError
from mailcore.dav.paths import Kind
from mailcore.dav.xml import CALDAV, DAV, document, element, href, tag

MAX_RECIPIENTS = 100


def props(kind: Kind) -> dict:
    """The PROPFIND answers of the inbox and outbox collections."""
    which = "schedule-inbox" if kind is Kind.INBOX else "schedule-outbox"

    async def resourcetype() -> Element:
        return element(
            tag(DAV, "resourcetype"),
            None,
            element(tag(DAV, "collection")),
            element(tag(CALDAV, which)),
        )

    return {tag(DAV, "resourcetype"): resourcetype}


async def post(who: Caller, body: bytes) -> bytes:
    """The ``schedule-response`` to a VFREEBUSY request POSTed to the outbox (the free/busy
    POST of draft caldav-sched-04, which RFC 6638 dropped and clients still send)."""
    try:
        data = icalendar.Calendar.from_ical(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise DavError(400, "not iCalendar data") from None
    queries = list(data.walk("VFREEBUSY"))
    if str(data.get("METHOD", "")).upper() != "REQUEST" or len(queries) != 1:
        raise DavError(
            403, "the outbox answers one VFREEBUSY request", tag(CALDAV, "valid-calendar-data")
        )
    query = queries[0]
    organizer = _address(query.get("ORGANIZER"))
    if organizer != who.email:
        raise DavError(403, "the organizer is you", tag(CALDAV, "organizer-allowed"))
    values = query.get("ATTENDEE", [])
    recipients = [_address(v) for v in (values if isinstance(values, list) else [values])]
    recipients = [r for r in dict.fromkeys(recipients) if r][:MAX_RECIPIENTS]
    try:
        start = _utc(query.decoded("DTSTART"))
        end = _utc(query.decoded("DTEND"))
        found = await freebusy.free_busy(who, recipients, start, end)
    except (KeyError, TypeError):
        raise DavError(403, "a VFREEBUSY request names DTSTART and DTEND") from None
    except CalendarError as exc:
        raise DavError(403, exc.message, tag(CALDAV, "valid-calendar-data")) from None
    answers = [_response(query, busy, start, end) for busy in found]
    return document(element(tag(CALDAV, "schedule-response"), None, *answers))


def _response(
    query: icalendar.Component, busy: freebusy.Busy, start: datetime, end: datetime
) -> Element:
    node = element(
        tag(CALDAV, "response"),
        None,
        element(tag(CALDAV, "recipient"), None, href(f"mailto:{busy.address}")),
    )
    if not busy.known:
        node.append(element(tag(CALDAV, "request-status"), "3.7;Invalid calendar user"))
        return node
    node.append(element(tag(CALDAV, "request-status"), "2.0;Success"))
    reply = icalendar.Calendar()
    reply.add("prodid", ical.PRODID)
    reply.add("version", "2.0")
    reply.add("method", "REPLY")
    answer = icalendar.FreeBusy()
    answer.add("uid", str(query.get("UID", "")))
    answer.add("dtstamp", datetime.now(UTC))
    answer.add("dtstart", start)
    answer.add("dtend", end)
    answer.add("organizer", query.get("ORGANIZER"))
    answer.add("attendee", f"mailto:{busy.address}")
    for begin, finish in busy.periods:
        answer.add("freebusy", (begin, finish), parameters={"FBTYPE": "BUSY"})
    reply.add_component(answer)
    node.append(element(tag(CALDAV, "calendar-data"), reply.to_ical().decode()))
    return node


def _address(value: object) -> str:
    text = str(value or "").strip()
    return text[7:].lower() if text.lower().startswith("mailto:") else ""


def _utc(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError("a time")
    return value if value.tzinfo else value.replace(tzinfo=UTC)
