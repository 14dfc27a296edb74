"""Events: creating, changing (the series or one occurrence), deleting, and the occurrences
of several calendars within a time range, as the caller may see them.

Each change stores the event's whole iCalendar object with the columns a range query
filters on (first start, last end) and raises the calendar's version (CalDAV's ctag).
Someone with free/busy access, or reading another member's private event, gets the
occurrence's times with "Busy" as its title and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mailcore.calendar import expanded, ical, invitations, probe, rows
from mailcore.calendar.access import Caller, Level, levels
from mailcore.calendar.calendars import parse_id, visible
from mailcore.calendar.errors import invalid, not_found
from mailcore.core.models import Calendar, CalendarEvent, EventPrivacy

MAX_RANGE = timedelta(days=400)
MAX_OCCURRENCES = 5_000  # per range query, over every calendar asked
BUSY = "Busy"


@dataclass
class Shown:
    """One occurrence as the caller may see it."""

    event: CalendarEvent
    occurrence: ical.Occurrence
    level: Level
    busy_only: bool
    data: icalendar.Calendar  # the event's object, read once for all its occurrences
    facts: expanded.Facts | None = None  # what every occurrence shows, read once


async def create(
    who: Caller,
    calendar_id: int | str,
    fields: ical.EventFields,
    attendees: list[str] | None = None,
) -> CalendarEvent:
    """A new event; with ``attendees``, a meeting the caller organizes (invitations.py)."""
    calendar, _ = await visible(who, calendar_id, Level.EDIT)
    await _check_repeats(fields)
    data = ical.new_object(ical.new_uid(), fields)
    if attendees:
        organizer, invited = await invitations.people(who, attendees)
        ical.set_people(data, organizer, invited)
    async with in_transaction():
        event = CalendarEvent(calendar_id=calendar.id, created_by_id=who.member_id)
        if attendees:
            await invitations.answer_rooms(who, data)  # stored once, with the rooms' answers
        await rows.store(event, data)
        if attendees:
            await invitations.send_changes(who, event, before=[], rooms_answered=True)
    return event


async def get(who: Caller, event_id: int | str, at_least: Level) -> tuple[CalendarEvent, Level]:
    event = await CalendarEvent.filter(id=parse_id(event_id)).first()
    if event is None:
        raise not_found("event")
    calendar, found = await visible(who, event.calendar_id, at_least)  # type: ignore[attr-defined]
    event.calendar = calendar
    return event, found


async def update(
    who: Caller,
    event_id: int | str,
    fields: ical.EventFields,
    occurrence: datetime | None = None,
    attendees: list[str] | None = None,
) -> CalendarEvent:
    """The whole series, or (``occurrence``: its original start) one occurrence of it;
    ``attendees`` None keeps them. The organizer's change goes to every attendee."""
    event, _ = await get(who, event_id, Level.EDIT)
    data = ical.read(event.ical)
    before = ical.attendees_of(data)
    organizing = _organizes(who, data)
    if attendees is not None and not organizing:
        raise invalid("only the organizer changes who is invited", "attendees")
    if occurrence is None:
        await _check_repeats(fields)
        ical.update_series(data, fields)
    else:
        _check_occurrence(data, occurrence)
        ical.update_occurrence(data, occurrence, fields)
    if organizing or attendees:
        organizer, invited = await invitations.people(
            who, attendees if attendees is not None else [p.address for p in before]
        )
        ical.set_people(data, organizer, invited)
    meeting = bool((organizing or attendees) and (before or attendees))
    async with in_transaction():
        if meeting:
            await invitations.answer_rooms(who, data)  # stored once, with the rooms' answers
        await rows.store(event, data)
        if meeting:
            await invitations.send_changes(who, event, before, rooms_answered=True)
    return event


async def delete(
    who: Caller,
    event_id: int | str,
    occurrence: datetime | None = None,
) -> None:
    """The organizer's deletion cancels the meeting for every attendee; an attendee who
    deletes an invitation declines it first."""
    event, _ = await get(who, event_id, Level.EDIT)
    data = ical.read(event.ical)
    before = ical.attendees_of(data)
    organizing = _organizes(who, data) and bool(before)
    invited = not organizing and any(p.address == who.email for p in before)
    if occurrence is None and invited:
        await invitations.respond(who, event, "DECLINED")
    async with in_transaction():
        if occurrence is None:
            await event.delete()
            await rows.touch(event.calendar.id)
        else:
            _check_occurrence(data, occurrence)
            ical.exclude_occurrence(data, occurrence)
            if organizing:  # stored once, with the rooms' answers
                await invitations.answer_rooms(who, data)
            await rows.store(event, data)
        if organizing:
            await invitations.send_changes(
                who, event, before, cancelled=occurrence is None, rooms_answered=True
            )


async def respond(who: Caller, event_id: int | str, status: str) -> tuple[CalendarEvent, Level]:
    """The caller's answer to a meeting in a calendar they may edit (their own copy), and
    their level on that calendar."""
    event, level = await get(who, event_id, Level.EDIT)
    return await invitations.respond(who, event, status), level


def _organizes(who: Caller, data) -> bool:
    organizer = ical.organizer_of(data)
    return organizer is None or organizer.address == who.email


async def in_range(
    who: Caller, calendar_ids: list[int], start: datetime, end: datetime
) -> list[Shown]:
    """The occurrences overlapping [start, end) in the calendars the caller may see among
    ``calendar_ids``, by start time."""
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or not ical.in_years(value):
            raise invalid("times need a UTC offset and a year from 1970 to 2199", name)
    if end <= start:
        raise invalid("the range ends before it starts", "end")
    if end - start > MAX_RANGE:
        raise invalid(f"a range spans at most {MAX_RANGE.days} days", "end")
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # SQLite compares the text
    calendars = await Calendar.filter(id__in=calendar_ids)
    found = await levels(who, calendars)
    allowed = [c.id for c in calendars if found[c.id] >= Level.FREEBUSY]
    if not allowed:
        return []
    events = await CalendarEvent.filter(
        Q(until_at=None) | Q(until_at__gt=start), calendar_id__in=allowed, start_at__lt=end
    ).order_by("start_at", "id")
    shown: list[Shown] = []
    for event in events:
        level = found[event.calendar_id]  # type: ignore[attr-defined]
        facts, within = expanded.occurrences(event, start, end, MAX_OCCURRENCES - len(shown))
        for occurrence in within:
            busy_only = level is Level.FREEBUSY or (
                occurrence.privacy is EventPrivacy.PRIVATE
                and level < Level.OWNER
                and event.created_by_id != who.member_id  # type: ignore[attr-defined]
            )
            shown.append(
                Shown(
                    event,
                    _masked(occurrence) if busy_only else occurrence,
                    level,
                    busy_only,
                    facts.data,
                    facts.facts,
                )
            )
        if len(shown) >= MAX_OCCURRENCES:
            break
    shown.sort(key=lambda s: (s.occurrence.start, s.event.id))
    return shown


async def _check_repeats(fields: ical.EventFields) -> None:
    if not fields.rrule:
        return
    wanted = 1 if "COUNT=1;" in fields.rrule + ";" else 2
    if not await probe.repeats(fields.rrule, fields.start, wanted):
        raise invalid("the recurrence rule gives no further date (or takes too long)", "recurrence")


def _masked(occurrence: ical.Occurrence) -> ical.Occurrence:
    return ical.Occurrence(
        summary=BUSY,
        description="",
        location="",
        start=occurrence.start,
        end=occurrence.end,
        all_day=occurrence.all_day,
        time_zone=occurrence.time_zone,
        recurrence_id=occurrence.recurrence_id,
        privacy=occurrence.privacy,
    )


def _check_occurrence(data, occurrence: datetime) -> None:
    if occurrence.tzinfo is None or not ical.in_years(occurrence):
        raise invalid("times need a UTC offset and a year from 1970 to 2199", "occurrence")
    if not ical.is_recurring(data):
        raise invalid("only a repeating event has occurrences", "occurrence")
    if ical.changed_occurrence(data, occurrence):
        return
    day = timedelta(days=1)
    for found in ical.occurrences(data, occurrence - day, occurrence + day, 1_000):
        if found.recurrence_id is not None and found.recurrence_id == occurrence:
            return
    raise invalid("the event has no occurrence starting then", "occurrence")
