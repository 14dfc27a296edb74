"""Checks of an event's iCalendar object that came from outside GraphQL's typed input — a
CalDAV client's PUT, an invitation mail — with the same limits: text lengths, attendees,
reminders, extra and excluded dates, years, an end after the start, a recurrence rule that
gives dates in time (the probe), and what storing computes (span, sequence). A hostile
object (FREQ=SECONDLY, COUNT=10^9 with BY-rules no date meets, 10,000 attendees, 5 MB of
text) is refused with a ``CalendarError`` naming the field, never expanded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar

from mailcore.calendar import ical, probe, rows
from mailcore.calendar.errors import CalendarError, invalid
from mailcore.calendar.invitations import MAX_ATTENDEES
from mailcore.core.models import CalendarEvent


async def check_object(data: icalendar.Calendar) -> None:
    """Refuse (``CalendarError`` INVALID) what GraphQL input could not have made."""
    try:
        for vevent in data.walk("VEVENT"):
            _check_event(vevent)
        master = ical.master_of(data)
        if "RRULE" in master:
            start = master.decoded("DTSTART")
            rule = ical.check_rrule(master["RRULE"].to_ical().decode(), start)
            if not await probe.repeats(rule, start, 1 if "COUNT=1;" in rule + ";" else 2):
                raise invalid(
                    "the recurrence rule gives no further date (or takes too long)", "recurrence"
                )
        rows.fill(CalendarEvent(), data)  # what storing computes (span, sequence, etag)
        ical.alarms_of(data)
    except CalendarError:
        raise
    except Exception as exc:  # noqa: BLE001 - values icalendar could not decode
        raise invalid(f"invalid event: {exc}"[:300], "data") from None


def _check_event(vevent: icalendar.Event) -> None:
    if not str(vevent.get("UID", "")).strip():
        raise invalid("an event needs a UID", "uid")
    if "DTSTART" not in vevent:
        raise invalid("an event needs DTSTART", "start")
    for name, limit in (("SUMMARY", ical.MAX_SUMMARY), ("DESCRIPTION", ical.MAX_TEXT)):
        if len(str(vevent.get(name, ""))) > limit:
            raise invalid(f"{name} has at most {limit} characters", name.lower())
    if len(str(vevent.get("LOCATION", ""))) > ical.MAX_TEXT:
        raise invalid("LOCATION is too long", "location")
    attendees = vevent.get("ATTENDEE", [])
    if isinstance(attendees, list) and len(attendees) > MAX_ATTENDEES:
        raise invalid(f"at most {MAX_ATTENDEES} attendees", "attendees")
    if len(vevent.walk("VALARM")) > ical.MAX_ALARMS:
        raise invalid(f"at most {ical.MAX_ALARMS} reminders", "reminders")
    dates = 0
    for name in ("RDATE", "EXDATE"):
        values = vevent.get(name, [])
        for value in values if isinstance(values, list) else [values]:
            dates += len(value.dts)
    if dates > ical.MAX_DATES:
        raise invalid(f"at most {ical.MAX_DATES} extra and excluded dates", "rdates")
    zone = ical.time_zone_of(vevent)
    start = _utc(vevent.decoded("DTSTART"), zone)
    moments = [start]
    if "DTEND" in vevent:
        moments.append(_utc(vevent.decoded("DTEND"), zone))
        if moments[-1] < start:
            raise invalid("an event cannot end before it starts", "end")
    if "RECURRENCE-ID" in vevent:
        moments.append(_utc(vevent.decoded("RECURRENCE-ID"), zone))
    if not all(ical.in_years(m) for m in moments):
        raise invalid("times lie in the years 1970 to 2199", "start")


def _utc(value: date | datetime, zone: str) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    if value.tzinfo is None:
        try:
            value = value.replace(tzinfo=ZoneInfo(zone))
        except (ValueError, KeyError, OSError):  # a client's own zone name: read as UTC
            value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
