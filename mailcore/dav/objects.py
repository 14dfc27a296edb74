"""Event resources: an event's iCalendar object as the caller may read it, and a client's
object (PUT) checked with the limits GraphQL input meets and stored through the calendar
services (``rows.store`` schedules reminders; meetings go through ``invitations``).

A client sends the whole object, so it is kept as sent (its changed occurrences, alarms,
VTIMEZONEs and X- properties), once checked. Who is invited is the organizer's to change:
the organizer's object goes out to the attendees as ``updateEvent`` does; an attendee's
object keeps the stored organizer and attendees, and a change of their own PARTSTAT is their
answer (``respondToEvent``)."""

from __future__ import annotations

from datetime import datetime

import icalendar
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mailcore.calendar import checks, ical, invitations, rows
from mailcore.calendar.access import Caller, Level
from mailcore.calendar.errors import CalendarError
from mailcore.core.models import CalendarEvent, EventPrivacy
from mailcore.dav import errors
from mailcore.dav.errors import DavError

MAX_OBJECT = 512 * 1024  # bytes of one event's object (CALDAV:max-resource-size)
MAX_COMPONENTS = 500  # VEVENTs (a series and its changed occurrences) and VTIMEZONEs
BUSY = "Busy"
# What a busy-only reader gets of each VEVENT: when, and nothing of what.
_TIME_PROPERTIES = {
    "UID", "DTSTAMP", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE",
    "RECURRENCE-ID", "SEQUENCE", "TRANSP", "STATUS", ical.ALL_DAY_ZONE,
}  # fmt: skip


def busy_only(who: Caller, level: Level, event: CalendarEvent) -> bool:
    """As ``events.in_range``: free/busy access, or another member's private event."""
    return level is Level.FREEBUSY or (
        event.privacy == EventPrivacy.PRIVATE
        and level < Level.OWNER
        and event.created_by_id != who.member_id  # type: ignore[attr-defined]
    )


def etag(event: CalendarEvent, masked: bool) -> str:
    return f"{event.etag}-busy" if masked else event.etag


def text(event: CalendarEvent, masked: bool) -> str:
    if not masked:
        return event.ical
    data = ical.read(event.ical)
    for vevent in data.walk("VEVENT"):
        for name in list(vevent.keys()):
            if name not in _TIME_PROPERTIES:
                vevent.pop(name)
        vevent.subcomponents = []
        vevent.add("summary", BUSY)
        vevent.add("class", "PRIVATE")
    return ical.write(data)


def parse(body: bytes, uid: str) -> icalendar.Calendar:
    """A client's object, refused unless it is one event (with its changed occurrences)
    named ``uid``, within the size and count limits."""
    if len(body) > MAX_OBJECT:
        raise DavError(403, f"an event is at most {MAX_OBJECT} bytes", errors.MAX_SIZE)
    try:
        data = icalendar.Calendar.from_ical(body.decode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - any parse failure is the client's bad data
        raise DavError(400, f"not iCalendar data: {exc}"[:300], errors.VALID_DATA) from None
    if not isinstance(data, icalendar.Calendar) or data.name != "VCALENDAR":
        raise DavError(400, "not a VCALENDAR", errors.VALID_DATA)
    if len(data.subcomponents) > MAX_COMPONENTS:
        raise DavError(403, "too many components", errors.VALID_OBJECT)
    names = {c.name for c in data.subcomponents}
    if names - {"VEVENT", "VTIMEZONE"} or "VEVENT" not in names:
        raise DavError(403, "only events (VEVENT) are stored here", errors.SUPPORTED_COMPONENT)
    uids = {str(e.get("UID", "")) for e in data.walk("VEVENT")}
    if uids != {uid}:
        raise DavError(403, "the UID must be the resource's name", errors.VALID_OBJECT)
    return data


async def check(data: icalendar.Calendar) -> None:
    """The limits of GraphQL input (``mailcore.calendar.checks``), as DAV preconditions."""
    try:
        await checks.check_object(data)
    except CalendarError as exc:
        if exc.field == "attendees":
            raise DavError(403, exc.message, errors.MAX_ATTENDEES) from None
        raise errors.from_calendar(exc) from None


async def put(
    who: Caller,
    calendar_id: int,
    data: icalendar.Calendar,
    existing: CalendarEvent | None,
    time_zone: str,
) -> CalendarEvent:
    """Store a checked object as the event ``existing`` (None: a new one) of the calendar;
    all-day dates without an author's zone are read in ``time_zone`` (the calendar's)."""
    for vevent in data.walk("VEVENT"):
        if not isinstance(vevent.decoded("DTSTART"), datetime) and ical.ALL_DAY_ZONE not in vevent:
            vevent.add(ical.ALL_DAY_ZONE, time_zone)
    before = ical.attendees_of(ical.read(existing.ical)) if existing is not None else []
    old_organizer = ical.organizer_of(ical.read(existing.ical)) if existing is not None else None
    mine_before = next((p.status for p in before if p.address == who.email), None)
    answer = None
    try:
        if old_organizer is not None and old_organizer.address != who.email:
            # an attendee's copy: who is invited stays; their own PARTSTAT is their answer
            answer = next(
                (p.status for p in ical.attendees_of(data) if p.address == who.email), None
            )
            _set_people(data, old_organizer, before)
            organizing = False
        else:
            organizer = ical.organizer_of(data)
            organizing = organizer is None or organizer.address == who.email
            invited = ical.attendees_of(data)
            if organizing and (invited or before):
                me, people = await invitations.people(who, [p.address for p in invited])
                answers = {p.address: p.status for p in before}
                _set_people(
                    data,
                    me,
                    [
                        ical.Person(p.address, p.name, answers.get(p.address, p.status))
                        for p in people
                    ],
                )
        if existing is not None and organizing:  # an attendee's copy follows the organizer's
            _raise_sequence(data, int(existing.sequence))
    except CalendarError as exc:
        raise errors.from_calendar(exc) from None
    event = existing or CalendarEvent(calendar_id=calendar_id, created_by_id=who.member_id)
    try:
        meeting = organizing and bool(before or ical.attendees_of(data))
        async with in_transaction():
            if meeting:  # stored once, with the rooms' answers
                await invitations.answer_rooms(who, data)
            await rows.store(event, data)
            if meeting:
                await invitations.send_changes(who, event, before, rooms_answered=True)
    except IntegrityError:  # the same UID stored by a concurrent request
        raise DavError(409, "an event with this UID exists", errors.NO_UID_CONFLICT) from None
    if answer and answer != mine_before and answer in invitations.ANSWERS:
        event = await invitations.respond(who, event, answer)
    return event


def _set_people(
    data: icalendar.Calendar, organizer: ical.Person, people: list[ical.Person]
) -> None:
    """ORGANIZER and ATTENDEEs as given (each with the answer given), on every VEVENT."""
    for vevent in data.walk("VEVENT"):
        vevent.pop("ATTENDEE", None)
    ical.set_people(data, organizer, people)


def _raise_sequence(data: icalendar.Calendar, stored: int) -> None:
    """A change is a new version for the attendees (RFC 5546): SEQUENCE above the stored."""
    master = ical.master_of(data)
    sequence = max(int(master.get("SEQUENCE", 0)), stored + 1)
    master.pop("SEQUENCE", None)
    master.add("sequence", sequence)
