"""Events as iCalendar data (RFC 5545) with the ``icalendar`` library, expanded with
``recurring-ical-events``.

An event is one VCALENDAR: the master VEVENT (its RRULE, RDATE and EXDATE) and one VEVENT
per changed occurrence (same UID, a RECURRENCE-ID), with the VTIMEZONE of every zone it
names, the object CalDAV clients read and write. Times are written in the event's zone
(``DTSTART;TZID=Asia/Shanghai``), so a weekly meeting stays at 10:00 across daylight saving
changes; all-day events are DATE values with an exclusive end.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from mailcore.calendar.errors import invalid
from mailcore.core.models import EventPrivacy

PRODID = "-//Qiyou//Calendar//EN"
MAX_TEXT = 20_000
MAX_SUMMARY = 1_000
MAX_DATES = 1_000  # RDATE / EXDATE values of one event
# The last occurrence is computed by walking the recurrence up to this many; a longer series
# is stored as open-ended (a range query then expands it within the range asked).
WALK_LIMIT = 5_000
# Times outside these years are refused (they overflow date arithmetic near year 1 or 9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_FREQUENCIES = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"}  # none finer: a DoS

Moment = datetime | date
ALL_DAY_ZONE = "X-QIYOU-TZID"
REASON = "X-QIYOU-REASON"  # ATTENDEE parameter: why a room declined


@dataclass(frozen=True)
class Alarm:
    minutes: int  # before the occurrence starts
    channels: tuple[str, ...] = ("PUSH",)


@dataclass
class EventFields:
    """What a person sets on an event (or on one occurrence of a series)."""

    time_zone: str
    summary: str
    start: Moment  # an aware datetime, or a date for an all-day event
    end: Moment
    description: str = ""
    location: str = ""
    rrule: str = ""  # RFC 5545 RECUR value, e.g. "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"
    # None: keep those the series has (moved with its start when a change moves it)
    rdates: list[Moment] | None = None
    exdates: list[Moment] | None = None
    privacy: EventPrivacy = EventPrivacy.PUBLIC
    alarms: list[Alarm] | None = None  # None: keep those the event has


@dataclass
class Occurrence:
    """One occurrence of an event within a range (a single event has one)."""

    summary: str
    description: str
    location: str
    start: datetime  # aware; an all-day event's start is midnight in its time zone
    end: datetime
    all_day: bool
    time_zone: str
    recurrence_id: datetime | None  # the original start of an occurrence of a series
    privacy: EventPrivacy


def zone(name: str, field_name: str = "timeZone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid(f"unknown time zone {name[:64]!r}", field_name) from exc


def fields_for(
    *,
    summary: str,
    start: datetime,
    end: datetime | None,
    all_day: bool,
    time_zone: str,
    description: str = "",
    location: str = "",
    rrule: str = "",
    rdates: list[datetime] | None = None,
    exdates: list[datetime] | None = None,
    privacy: EventPrivacy = EventPrivacy.PUBLIC,
    alarms: list[Alarm] | None = None,
) -> EventFields:
    """Check what a client sent and put it in the event's zone (dates for all-day events)."""
    tz = zone(time_zone)
    summary = summary.strip()
    if not summary:
        raise invalid("an event needs a title", "summary")
    if len(summary) > MAX_SUMMARY:
        raise invalid(f"a title has at most {MAX_SUMMARY} characters", "summary")
    for name, value in (("description", description), ("location", location)):
        if len(value) > MAX_TEXT:
            raise invalid(f"at most {MAX_TEXT} characters", name)
    if len(rdates or []) + len(exdates or []) > MAX_DATES:
        raise invalid(f"at most {MAX_DATES} extra and excluded dates", "rdates")
    for name, values in (
        ("start", [start]),
        ("end", [end] if end else []),
        ("rdates", rdates or []),
        ("excludedDates", exdates or []),
    ):
        if any(v.tzinfo is None or not in_years(v) for v in values):
            raise invalid("times need a UTC offset and a year from 1970 to 2199", name)
    local_start = start.astimezone(tz)
    local_end = (end or start + timedelta(hours=1)).astimezone(tz)
    first: Moment
    last: Moment
    if all_day:
        first = local_start.date()
        last = max(local_end.date(), first + timedelta(days=1)) if end else first + timedelta(1)
        extra = None if rdates is None else [d.astimezone(tz).date() for d in rdates]
        skipped = None if exdates is None else [d.astimezone(tz).date() for d in exdates]
    else:
        first, last = local_start, local_end
        extra = None if rdates is None else [d.astimezone(tz) for d in rdates]
        skipped = None if exdates is None else [d.astimezone(tz) for d in exdates]
    if last < first:
        raise invalid("an event cannot end before it starts", "end")
    return EventFields(
        time_zone=time_zone,
        summary=summary,
        start=first,
        end=last,
        description=description,
        location=location,
        rrule=check_rrule(rrule.strip(), first) if rrule.strip() else "",
        rdates=extra,
        exdates=skipped,
        privacy=privacy,
        alarms=alarms,
    )


def in_years(value: datetime) -> bool:
    return EARLIEST <= value < LATEST


def check_rrule(text: str, start: Moment) -> str:
    """A RECUR value as the client wrote it, once both parsers accept it (and not finer
    than hourly); an UNTIL is written in the form DTSTART has, as RFC 5545 asks."""
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    try:
        recur = icalendar.vRecur.from_ical(text)
    except ValueError as exc:
        raise invalid("not a recurrence rule (RFC 5545 RRULE)", "recurrence") from exc
    frequency = recur.get("FREQ", [""])[0]
    if frequency not in _FREQUENCIES:
        raise invalid("a recurrence repeats hourly, daily, weekly, monthly or yearly", "recurrence")
    if frequency == "HOURLY" and not _bounded(recur):
        raise invalid("an hourly recurrence needs COUNT or UNTIL", "recurrence")
    if "UNTIL" in recur:
        until = recur["UNTIL"][0]
        if isinstance(start, datetime) and not isinstance(until, datetime):
            until = datetime.combine(until, datetime.max.time().replace(microsecond=0))
        if isinstance(start, datetime):
            until = (until if until.tzinfo else until.replace(tzinfo=start.tzinfo)).astimezone(UTC)
        elif isinstance(until, datetime):
            until = until.date()
        recur["UNTIL"] = [until]
    try:
        rrulestr(recur.to_ical().decode(), dtstart=start)
    except (ValueError, TypeError) as exc:
        raise invalid(f"not a recurrence rule: {exc}", "recurrence") from exc
    return recur.to_ical().decode()


def new_uid() -> str:
    return f"{uuid.uuid4()}@qiyou"


def new_object(uid: str, fields: EventFields) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    master = icalendar.Event()
    master.add("uid", uid)
    master.add("dtstamp", datetime.now(UTC))
    master.add("created", datetime.now(UTC))
    master.add("sequence", 0)
    _apply(master, fields, series=True)
    calendar.add_component(master)
    if fields.alarms:
        set_alarms(calendar, fields.alarms)
    _refresh_timezones(calendar)
    return calendar


def read(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def write(calendar: icalendar.Calendar) -> str:
    return calendar.to_ical().decode()


def master_of(calendar: icalendar.Calendar) -> icalendar.Event:
    for event in calendar.walk("VEVENT"):
        if "RECURRENCE-ID" not in event:
            return event
    return calendar.walk("VEVENT")[0]


def update_series(calendar: icalendar.Calendar, fields: EventFields) -> None:
    """The master takes the new fields; changed occurrences stay as they were."""
    master = master_of(calendar)
    _apply(master, fields, series=True)
    if fields.alarms is not None:
        set_alarms(calendar, fields.alarms)
    _bump(master)
    _refresh_timezones(calendar)


def update_occurrence(
    calendar: icalendar.Calendar, recurrence_id: datetime, fields: EventFields
) -> None:
    """One occurrence of a series changed: a VEVENT with its RECURRENCE-ID (replacing an
    earlier change of the same occurrence)."""
    master = master_of(calendar)
    key = _original_start(master, recurrence_id)
    for old in _overrides(calendar, key):
        calendar.subcomponents.remove(old)
    changed = icalendar.Event()
    changed.add("uid", str(master["UID"]))
    changed.add("dtstamp", datetime.now(UTC))
    changed.add("recurrence-id", key)
    changed.add("sequence", int(master.get("SEQUENCE", 0)) + 1)
    _apply(changed, fields, series=False)
    calendar.add_component(changed)
    _bump(master)
    _refresh_timezones(calendar)


def exclude_occurrence(calendar: icalendar.Calendar, recurrence_id: datetime) -> None:
    """One occurrence of a series deleted: an EXDATE on the master, its change removed."""
    master = master_of(calendar)
    key = _original_start(master, recurrence_id)
    for old in _overrides(calendar, key):
        calendar.subcomponents.remove(old)
    master.add("exdate", key)
    _bump(master)


def changed_occurrence(calendar: icalendar.Calendar, recurrence_id: datetime) -> bool:
    """Whether the series has a change stored for the occurrence that started then."""
    return bool(_overrides(calendar, _original_start(master_of(calendar), recurrence_id)))


def is_recurring(calendar: icalendar.Calendar) -> bool:
    master = master_of(calendar)
    return "RRULE" in master or "RDATE" in master


def span(calendar: icalendar.Calendar) -> tuple[datetime, datetime | None]:
    """The first start and the last end (None: it never ends) of every occurrence, in UTC."""
    master = master_of(calendar)
    zone_name = time_zone_of(master)
    starts = [_utc(master.decoded("DTSTART"), zone_name)]
    ends = []
    if is_recurring(calendar):
        walk = itertools.islice(recurring_ical_events.of(calendar).all(), WALK_LIMIT + 1)
        seen = list(walk)
        if len(seen) > WALK_LIMIT or ("RRULE" in master and not _bounded(master["RRULE"])):
            return min(starts + [_utc(o.decoded("DTSTART"), zone_name) for o in seen[:1]]), None
        for occurrence in seen:
            starts.append(_utc(occurrence.decoded("DTSTART"), zone_name))
            ends.append(_utc(_end(occurrence), zone_name))
    else:
        ends.append(_utc(_end(master), zone_name))
    for changed in calendar.walk("VEVENT"):  # a moved occurrence may lie outside the rule
        if "RECURRENCE-ID" in changed:
            starts.append(_utc(changed.decoded("DTSTART"), zone_name))
            ends.append(_utc(_end(changed), zone_name))
    return min(starts), max(ends) if ends else min(starts)


def occurrences(
    calendar: icalendar.Calendar, start: datetime, end: datetime, limit: int
) -> list[Occurrence]:
    """The occurrences that overlap [start, end), at most ``limit`` of them."""
    master = master_of(calendar)
    zone_name = time_zone_of(master)
    found = []
    query = recurring_ical_events.of(calendar)
    for event in itertools.islice(query.between(start, end), limit):
        all_day = not isinstance(event.decoded("DTSTART"), datetime)
        recurrence = event.get("RECURRENCE-ID")
        found.append(
            Occurrence(
                summary=str(event.get("SUMMARY", "")),
                description=str(event.get("DESCRIPTION", "")),
                location=str(event.get("LOCATION", "")),
                start=_aware(event.decoded("DTSTART"), zone_name),
                end=_aware(_end(event), zone_name),
                all_day=all_day,
                time_zone=zone_name,
                recurrence_id=_aware(event.decoded("RECURRENCE-ID"), zone_name)
                if recurrence is not None and is_recurring(calendar)
                else None,
                privacy=privacy_of(event),
            )
        )
    return found


def first_occurrence(calendar: icalendar.Calendar) -> Occurrence:
    """The series as its master VEVENT states it (what a change of the series answers)."""
    master = master_of(calendar)
    zone_name = time_zone_of(master)
    start = _aware(master.decoded("DTSTART"), zone_name)
    return Occurrence(
        summary=str(master.get("SUMMARY", "")),
        description=str(master.get("DESCRIPTION", "")),
        location=str(master.get("LOCATION", "")),
        start=start,
        end=_aware(_end(master), zone_name),
        all_day=not isinstance(master.decoded("DTSTART"), datetime),
        time_zone=zone_name,
        recurrence_id=start if is_recurring(calendar) else None,
        privacy=privacy_of(master),
    )


def time_zone_of(event: icalendar.Event) -> str:
    start = event.get("DTSTART")
    tzid = start.params.get("TZID") if start is not None else None
    if tzid:  # Outlook and Exchange name Windows zones ("China Standard Time")
        return WINDOWS_TO_OLSON.get(str(tzid), str(tzid))
    if ALL_DAY_ZONE in event:  # an all-day event's dates, as its author's zone sees them
        return str(event[ALL_DAY_ZONE])
    value = event.decoded("DTSTART")
    if isinstance(value, datetime) and isinstance(value.tzinfo, ZoneInfo):
        return value.tzinfo.key
    return "UTC"


def privacy_of(event: icalendar.Event) -> EventPrivacy:
    value = str(event.get("CLASS", "PUBLIC")).upper()
    return EventPrivacy.PUBLIC if value == "PUBLIC" else EventPrivacy.PRIVATE


def rrule_of(calendar: icalendar.Calendar) -> str:
    rule = master_of(calendar).get("RRULE")
    return rule.to_ical().decode() if rule is not None else ""


def _apply(event: icalendar.Event, fields: EventFields, *, series: bool) -> None:
    before = event.decoded("DTSTART") if "DTSTART" in event else None
    for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "DTSTART", "DTEND", "DURATION", "CLASS"):
        event.pop(name, None)
    event.pop(ALL_DAY_ZONE, None)
    if not isinstance(fields.start, datetime):
        event.add(ALL_DAY_ZONE, fields.time_zone)
    event.add("summary", fields.summary)
    if fields.description:
        event.add("description", fields.description)
    if fields.location:
        event.add("location", fields.location)
    event.add("dtstart", fields.start)
    event.add("dtend", fields.end)
    event.add("class", "PRIVATE" if fields.privacy is EventPrivacy.PRIVATE else "PUBLIC")
    event.pop("LAST-MODIFIED", None)
    event.add("last-modified", datetime.now(UTC))
    if not series:
        return
    event.pop("RRULE", None)
    if fields.rrule:
        event.add("rrule", icalendar.vRecur.from_ical(fields.rrule))
    for name, given in (("RDATE", fields.rdates), ("EXDATE", fields.exdates)):
        values = given if given is not None else _moved(_dates_of(event, name), before, fields)
        event.pop(name, None)
        for value in values:
            event.add(name.lower(), value)


def _dates_of(event: icalendar.Event, name: str) -> list[Moment]:
    found = event.get(name, [])
    return [d.dt for value in (found if isinstance(found, list) else [found]) for d in value.dts]


def _moved(values: list[Moment], before: Moment | None, fields: EventFields) -> list[Moment]:
    """Kept extra or excluded dates, moved in wall-clock time as the series' start moved
    (an occurrence deleted before stays deleted after the series moves); dropped when the
    series changes between whole days and times."""
    start = fields.start
    if before is None or isinstance(before, datetime) != isinstance(start, datetime):
        return []
    if not isinstance(start, datetime):
        return [v + (start - before) for v in values if not isinstance(v, datetime)]
    tz = start.tzinfo
    shift = start.replace(tzinfo=None) - _as_zone(before, tz).replace(tzinfo=None)
    return [
        (_as_zone(v, tz).replace(tzinfo=None) + shift).replace(tzinfo=tz)
        for v in values
        if isinstance(v, datetime)
    ]


def _as_zone(value: datetime, tz) -> datetime:
    return value.astimezone(tz) if value.tzinfo is not None else value.replace(tzinfo=tz)


def bump(master: icalendar.Event) -> None:
    """Raise SEQUENCE and DTSTAMP: a change attendees must take."""
    _bump(master)


def _bump(master: icalendar.Event) -> None:
    sequence = int(master.get("SEQUENCE", 0)) + 1
    master.pop("SEQUENCE", None)
    master.add("sequence", sequence)
    master.pop("DTSTAMP", None)
    master.add("dtstamp", datetime.now(UTC))


def _refresh_timezones(calendar: icalendar.Calendar) -> None:
    """A VTIMEZONE for each zone the events name (clients without the IANA database need it)."""
    for old in list(calendar.walk("VTIMEZONE")):
        calendar.subcomponents.remove(old)
    calendar.add_missing_timezones()
    # VTIMEZONEs first, as most clients write them
    calendar.subcomponents.sort(key=lambda c: c.name != "VTIMEZONE")


def _original_start(master: icalendar.Event, recurrence_id: datetime) -> Moment:
    """The RECURRENCE-ID of an occurrence, in the form the master's DTSTART has."""
    start = master.decoded("DTSTART")
    zone_name = time_zone_of(master)
    if not isinstance(start, datetime):
        return recurrence_id.astimezone(_tz(zone_name)).date()
    return recurrence_id.astimezone(_tz(zone_name))


def _overrides(calendar: icalendar.Calendar, key: Moment) -> list[icalendar.Event]:
    zone_name = time_zone_of(master_of(calendar))
    wanted = _utc(key, zone_name)
    return [
        e
        for e in calendar.walk("VEVENT")
        if "RECURRENCE-ID" in e and _utc(e.decoded("RECURRENCE-ID"), zone_name) == wanted
    ]


def _bounded(rule: icalendar.vRecur) -> bool:
    return "COUNT" in rule or "UNTIL" in rule


def _end(event: icalendar.Event) -> Moment:
    if "DTEND" in event:
        return event.decoded("DTEND")
    start = event.decoded("DTSTART")
    if "DURATION" in event:
        return start + event.decoded("DURATION")
    return start + timedelta(days=1) if not isinstance(start, datetime) else start


def _tz(zone_name: str) -> ZoneInfo:
    """The zone an event names; UTC for one this machine does not know (a client's own)."""
    try:
        return ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _aware(value: Moment, zone_name: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=_tz(zone_name))
    return datetime.combine(value, datetime.min.time(), tzinfo=_tz(zone_name))


def _utc(value: Moment, zone_name: str) -> datetime:
    return _aware(value, zone_name).astimezone(UTC)


# --- people: the organizer and attendees (iTIP, RFC 5546) ----------------------------------

PARTSTATS = ("NEEDS-ACTION", "ACCEPTED", "TENTATIVE", "DECLINED")


@dataclass(frozen=True)
class Person:
    address: str  # lower-cased, without mailto:
    name: str = ""
    status: str = "NEEDS-ACTION"  # PARTSTAT of an attendee
    cutype: str = "INDIVIDUAL"  # ROOM, RESOURCE for a meeting room or resource
    reason: str = ""  # why a room declined (X-QIYOU-REASON): "conflict", "capacity"


def _address_of(value: object) -> str:
    text = str(value)
    return (text[7:] if text.lower().startswith("mailto:") else text).strip().lower()


def organizer_of(calendar: icalendar.Calendar) -> Person | None:
    value = master_of(calendar).get("ORGANIZER")
    if value is None:
        return None
    return Person(_address_of(value), str(value.params.get("CN", "")))


def attendees_of(calendar: icalendar.Calendar) -> list[Person]:
    values = master_of(calendar).get("ATTENDEE", [])
    if not isinstance(values, list):
        values = [values]
    return [
        Person(
            _address_of(v),
            str(v.params.get("CN", "")),
            str(v.params.get("PARTSTAT", "NEEDS-ACTION")).upper(),
            str(v.params.get("CUTYPE", "INDIVIDUAL")).upper(),
            str(v.params.get(REASON, "")),
        )
        for v in values
    ]


def set_people(calendar: icalendar.Calendar, organizer: Person, attendees: list[Person]) -> None:
    """ORGANIZER and ATTENDEE of the master and of every changed occurrence; an attendee
    already there keeps their answer."""
    known = {p.address: p.status for p in attendees_of(calendar)}
    for event in calendar.walk("VEVENT"):
        event.pop("ORGANIZER", None)
        event.pop("ATTENDEE", None)
        if not attendees:
            continue
        event.add("organizer", _cal_address(organizer, {}))
        for person in attendees:
            status = known.get(person.address, person.status)
            event.add(
                "attendee",
                _cal_address(
                    person,
                    {
                        "ROLE": "REQ-PARTICIPANT",
                        "PARTSTAT": status,
                        "RSVP": "TRUE",
                        "CUTYPE": person.cutype,
                    },
                ),
            )


def set_status(calendar: icalendar.Calendar, address: str, status: str, reason: str = "") -> bool:
    """An attendee's answer on the master and changed occurrences (``reason``: why a room
    declined); False if not invited."""
    found = False
    for event in calendar.walk("VEVENT"):
        values = event.get("ATTENDEE", [])
        for value in values if isinstance(values, list) else [values]:
            if _address_of(value) == address:
                value.params["PARTSTAT"] = status
                value.params.pop("RSVP", None)
                value.params.pop(REASON, None)
                if reason:
                    value.params[REASON] = reason
                found = True
    return found


def blocks_time(calendar: icalendar.Calendar, address: str) -> bool:
    """Whether the event makes ``address`` busy: not marked free, not declined by them."""
    master = master_of(calendar)
    if str(master.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return False
    if str(master.get("STATUS", "")).upper() == "CANCELLED":
        return False
    return all(p.status != "DECLINED" for p in attendees_of(calendar) if p.address == address)


def itip(calendar: icalendar.Calendar, method: str, attendee: str | None = None) -> str:
    """The iTIP object to mail (RFC 5546): the event with METHOD; a CANCEL marks it
    cancelled; a REPLY names only the answering attendee."""
    copy = read(write(calendar))
    copy.pop("METHOD", None)
    copy.add("method", method)
    for event in copy.walk("VEVENT"):
        event.pop("DTSTAMP", None)
        event.add("dtstamp", datetime.now(UTC))
        if method == "CANCEL":
            event.pop("STATUS", None)
            event.add("status", "CANCELLED")
        if method == "REPLY" and attendee is not None:
            values = event.get("ATTENDEE", [])
            kept = [
                v
                for v in (values if isinstance(values, list) else [values])
                if _address_of(v) == attendee
            ]
            event.pop("ATTENDEE", None)
            for value in kept:
                event.add("attendee", value)
    return write(copy)


def _cal_address(person: Person, params: dict[str, str]) -> icalendar.vCalAddress:
    value = icalendar.vCalAddress(f"mailto:{person.address}")
    if person.name:
        value.params["CN"] = person.name
    for key, param in params.items():
        value.params[key] = param
    return value


# --- alarms (VALARM): reminders before each occurrence -------------------------------------

CHANNELS = ("PUSH", "MAIL", "WECHAT", "SMS")  # in-app, mail, WeChat subscribe message, SMS
CHANNELS_PROPERTY = "X-QIYOU-CHANNELS"
MAX_ALARMS = 5
MAX_MINUTES = 4 * 7 * 24 * 60  # four weeks before


def set_alarms(calendar: icalendar.Calendar, alarms: list[Alarm]) -> None:
    """The master's VALARMs (one per alarm), replacing those it had."""
    if len(alarms) > MAX_ALARMS:
        raise invalid(f"at most {MAX_ALARMS} reminders", "reminders")
    master = master_of(calendar)
    master.subcomponents = [c for c in master.subcomponents if c.name != "VALARM"]
    for alarm in alarms:
        if not 0 <= alarm.minutes <= MAX_MINUTES or not alarm.channels:
            raise invalid(
                "a reminder comes 0 minutes to 4 weeks before, by some channel", "reminders"
            )
        valarm = icalendar.Alarm()
        valarm.add("action", "EMAIL" if alarm.channels == ("MAIL",) else "DISPLAY")
        valarm.add("trigger", timedelta(minutes=-alarm.minutes))
        valarm.add("description", str(master.get("SUMMARY", "")))
        valarm.add(CHANNELS_PROPERTY, ",".join(alarm.channels))
        master.add_component(valarm)


def alarms_of(calendar: icalendar.Calendar) -> list[Alarm]:
    """The master's alarms relative to the start (as Outlook, Google and Apple write them);
    absolute triggers and those relative to the end are left to the clients."""
    found = []
    for valarm in master_of(calendar).walk("VALARM"):
        trigger = valarm.get("TRIGGER")
        if trigger is None or str(trigger.params.get("RELATED", "START")).upper() != "START":
            continue
        value = valarm.decoded("TRIGGER")
        if not isinstance(value, timedelta) or value > timedelta(0):
            continue
        minutes = min(int(-value.total_seconds() // 60), MAX_MINUTES)
        named = str(valarm.get(CHANNELS_PROPERTY, "")).upper().split(",")
        channels = tuple(c for c in CHANNELS if c in named)
        if not channels:
            channels = ("MAIL",) if str(valarm.get("ACTION", "")).upper() == "EMAIL" else ("PUSH",)
        found.append(Alarm(minutes, channels))
    return found[:MAX_ALARMS]


def next_occurrence(
    calendar: icalendar.Calendar, after: datetime, horizon: timedelta
) -> Occurrence | None:
    """The first occurrence starting at or after ``after`` (within ``horizon``)."""
    for occurrence in occurrences(calendar, after, after + horizon, 50):
        if occurrence.start >= after:
            return occurrence
    return None
