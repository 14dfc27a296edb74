"""Writing an event's row from its iCalendar object, and raising a calendar's version."""

from __future__ import annotations

import hashlib
from datetime import datetime

import icalendar
from tortoise.expressions import F

from mailcore.calendar import ical, reminders
from mailcore.core.models import Calendar, CalendarEvent


def fill(event: CalendarEvent, data: icalendar.Calendar) -> None:
    """The row's text and the columns a range query filters on, from the object."""
    text = ical.write(data)
    master = ical.master_of(data)
    event.uid = str(master["UID"])
    event.ical = text
    event.summary = str(master.get("SUMMARY", ""))[: ical.MAX_SUMMARY]
    event.start_at, event.until_at = ical.span(data)
    event.all_day = not isinstance(master.decoded("DTSTART"), datetime)
    event.recurring = ical.is_recurring(data)
    event.privacy = ical.privacy_of(master)
    event.sequence = int(master.get("SEQUENCE", 0))
    event.etag = hashlib.sha256(text.encode()).hexdigest()[:32]


async def store(event: CalendarEvent, data: icalendar.Calendar) -> None:
    """Fill and save the row, raise its calendar's version, schedule its reminders (a
    reminder scheduled before names the old etag and does nothing)."""
    fill(event, data)
    await event.save()
    await touch(event.calendar_id)  # type: ignore[attr-defined]
    await reminders.schedule(event, data)


async def touch(calendar_id: int) -> None:
    """Every change to a calendar's events raises its version (CalDAV's ctag)."""
    await Calendar.filter(id=calendar_id).update(version=F("version") + 1)
