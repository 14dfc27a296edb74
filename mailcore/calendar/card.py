"""The invitation card of a mail (U8): what a mail's iTIP part says, read for the member who
opens it, beside what their own calendar holds for the same UID — so the reader can show
the meeting with Accept / Tentative / Decline (``respondToEvent`` on ``event``), a
cancellation, or an attendee's answer.

The mail's calendar part is only read here, never applied: applying is the outbox job of
``incoming.py`` (mail from outside) or the direct copies of ``invitations.py`` (colleagues).
"""

from __future__ import annotations

from dataclasses import dataclass

import icalendar

from mailcore.calendar import ical
from mailcore.calendar.access import Caller
from mailcore.calendar.incoming import calendar_part, has_calendar_part, own_event
from mailcore.core.models import CalendarEvent

METHODS = ("REQUEST", "CANCEL", "REPLY", "COUNTER", "PUBLISH", "DECLINECOUNTER", "ADD")


@dataclass
class Card:
    method: str
    uid: str
    occurrence: ical.Occurrence  # as the mail states the series (or its first change)
    organizer: ical.Person | None
    recurrence: str
    sequence: int
    people: list[ical.Person]  # the mail's attendees with the answers it carries
    event: CalendarEvent | None  # the member's own event with this UID
    stored: icalendar.Calendar | None  # its object
    my_status: str | None  # the member's answer in their calendar (or in the mail)
    outdated: bool  # the calendar already holds a later version


async def card_of(who: Caller, raw: bytes) -> Card | None:
    """The card of the mail ``raw`` for ``who``; None for mail without a readable iTIP part."""
    if not has_calendar_part(raw):
        return None
    data = calendar_part(raw)
    if data is None:
        return None
    try:
        return await _card(who, data)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None  # a broken part shows as ordinary mail (its .ics stays an attachment)


async def _card(who: Caller, data: icalendar.Calendar) -> Card | None:
    method = str(data["METHOD"]).upper()
    master = ical.master_of(data)
    uid = str(master.get("UID", ""))
    if method not in METHODS or not uid:
        return None
    event = await own_event(who, uid)
    stored = ical.read(event.ical) if event is not None else None
    sequence = int(master.get("SEQUENCE", 0))
    people = ical.attendees_of(data)
    my_status = None
    for person in ical.attendees_of(stored) if stored is not None else people:
        if person.address == who.email:
            my_status = person.status
    outdated = (
        stored is not None
        and method in ("REQUEST", "CANCEL")
        and "RECURRENCE-ID" not in master
        and sequence < int(ical.master_of(stored).get("SEQUENCE", 0))
    )
    return Card(
        method=method,
        uid=uid,
        occurrence=ical.first_occurrence(data),
        organizer=ical.organizer_of(data),
        recurrence=ical.rrule_of(data),
        sequence=sequence,
        people=people,
        event=event,
        stored=stored,
        my_status=my_status,
        outdated=outdated,
    )
