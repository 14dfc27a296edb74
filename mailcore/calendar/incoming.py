"""Invitations that arrive by mail (iMIP, RFC 6047) from Outlook, Gmail, Apple Calendar,
Exmail or another Qiyou: recognised as a mail is stored (an outbox job committed with it,
``imip_jobs``), applied by the outbox worker (``Recorder``) to the calendars of the members
it reached (not a copy screened into Spam).

- REQUEST: the event goes into the member's default calendar (a later SEQUENCE replaces it,
  keeping the member's answer; an earlier one is ignored) once it passes the limits of
  GraphQL input (``checks.py``; a hostile one is left as mail). A REQUEST that carries only
  changed occurrences (Outlook sends one per changed occurrence) is merged into the series.
- CANCEL: the event, or the cancelled occurrences, leave the member's calendar.
- REPLY: an attendee's answer to a meeting the member organizes updates its PARTSTAT.

Meetings organized inside the member's own company never need this (their copies are made
directly, ``invitations.py``), so an invitation mail from a colleague is left as mail. The
member answers with ``respondToEvent`` (a REPLY mail to the organizer). The invitation mail
stays in the inbox as ordinary mail.
"""

from __future__ import annotations

import logging
import re
from email import message_from_bytes, policy

import icalendar

from mailcore.calendar import ical, rows
from mailcore.calendar.access import Caller
from mailcore.calendar.calendars import default_calendar
from mailcore.calendar.checks import check_object
from mailcore.calendar.errors import CalendarError
from mailcore.core.models import Calendar, CalendarEvent, FolderRole, Member, Message
from mailcore.store.outbox import MessageJobs
from mailcore.store.registry import Job
from mailcore.store.request import OLD_MAIL, IngestRequest, IngestResult

log = logging.getLogger(__name__)

TOPIC = "calendar.imip"
# Copies that are not an arrival (Sent, Drafts) or that the member should not act on (Spam,
# Trash: an invitation screened as spam does not put anything into the calendar).
KEPT = (FolderRole.SENT, FolderRole.DRAFTS, FolderRole.SPAM, FolderRole.TRASH)
MAX_ICS = 1_000_000
_CALENDAR_PART = re.compile(rb"(?im)^content-type:[ \t]*(text/calendar|application/ics)")


def imip_jobs(request: IngestRequest, result: IngestResult) -> list[Job]:
    """The job of a stored mail with a calendar part (inside its commit: a look at the text)."""
    if request.source in OLD_MAIL or not has_calendar_part(request.raw):
        return []
    members = sorted({s.member_id for s in result.entries if s.role not in KEPT})
    if not members:
        return []
    return [Job(TOPIC, {"message": result.message_pk, "members": members})]


def has_calendar_part(raw: bytes) -> bool:
    """Whether a mail may carry a calendar part (a look at the text, no MIME parse)."""
    return _CALENDAR_PART.search(raw) is not None


def calendar_part(raw: bytes) -> icalendar.Calendar | None:
    """The iTIP object of a mail: its text/calendar part (else an attached .ics) with a
    METHOD; None if there is none or it cannot be read."""
    mail = message_from_bytes(raw, policy=policy.default)
    found = None
    for part in mail.walk():
        kind = part.get_content_type()
        if kind in ("text/calendar", "application/ics"):
            found = part if found is None or kind == "text/calendar" else found
            if kind == "text/calendar":
                break
    if found is None:
        return None
    payload = found.get_payload(decode=True) or b""
    if len(payload) > MAX_ICS:
        return None
    try:
        data = icalendar.Calendar.from_ical(
            payload.decode(found.get_content_charset() or "utf-8", "replace")
        )
    except (ValueError, KeyError, IndexError):
        return None
    if "METHOD" not in data or not data.walk("VEVENT"):
        return None
    return data


class Recorder(MessageJobs):
    """The outbox handler of ``TOPIC``; a repeat changes nothing (at least once)."""

    what = "calendar invitation"

    async def record(self, message_pk: int, member_ids: list[int]) -> int:
        message = await Message.filter(id=message_pk).first()
        if message is None:
            return 0
        data = calendar_part(await self.blobs.get(message.sha256))
        if data is None:
            return 0
        method = str(data["METHOD"]).upper()
        organizer = ical.organizer_of(data)
        applied = 0
        for member in await Member.filter(id__in=member_ids).only("id", "enterprise_id", "email"):
            who = Caller(member.id, member.enterprise_id, False, member.email)
            if method == "REPLY":
                applied += await _reply(who, data)
                continue
            if organizer is None or await _colleague(organizer.address, who):
                continue  # a meeting inside the company: its copies are made directly
            if method == "REQUEST":
                applied += await _request(who, data)
            elif method == "CANCEL":
                applied += await _cancel(who, data)
        return applied


async def _colleague(address: str, who: Caller) -> bool:
    return await Member.filter(email=address, enterprise_id=who.enterprise_id).exists()


async def own_event(who: Caller, uid: str) -> CalendarEvent | None:
    """The event with ``uid`` in a calendar the member owns."""
    owned = await Calendar.filter(owner_id=who.member_id).values_list("id", flat=True)
    return await CalendarEvent.filter(uid=uid[:255], calendar_id__in=list(owned) or [0]).first()


async def _request(who: Caller, incoming: icalendar.Calendar) -> int:
    events = incoming.walk("VEVENT")
    uid = str(events[0].get("UID", ""))
    if not uid:
        return 0
    existing = await own_event(who, uid)
    stored = _without_method(incoming)
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    if existing is not None:
        old = ical.read(existing.ical)
        if not masters:  # changed occurrences only: merge them into the series
            for changed in events:
                for previous in [
                    e
                    for e in old.walk("VEVENT")
                    if "RECURRENCE-ID" in e
                    and e.decoded("RECURRENCE-ID") == changed.decoded("RECURRENCE-ID")
                ]:
                    old.subcomponents.remove(previous)
                old.add_component(changed)
            stored = old
        elif int(masters[0].get("SEQUENCE", 0)) < int(ical.master_of(old).get("SEQUENCE", 0)):
            return 0  # an older version arriving late
        for person in ical.attendees_of(old):
            if person.address == who.email and person.status != "NEEDS-ACTION":
                ical.set_status(stored, who.email, person.status)
        event = existing
    else:
        if not masters:
            return 0  # a change of a meeting we never had
        calendar = await default_calendar(who, ical.time_zone_of(masters[0]))
        event = CalendarEvent(calendar_id=calendar.id)
    try:  # what cannot be read or breaks a limit is found before anything is written
        await check_object(stored)
    except CalendarError as exc:
        log.warning(
            "invitation %s for member %s not taken: %s", uid[:80], who.member_id, exc.message
        )
        return 0  # the mail stays, its card shows the invitation
    await rows.store(event, stored)
    return 1


async def _cancel(who: Caller, incoming: icalendar.Calendar) -> int:
    events = incoming.walk("VEVENT")
    existing = await own_event(who, str(events[0].get("UID", "")))
    if existing is None:
        return 0
    if any("RECURRENCE-ID" not in e for e in events):
        await existing.delete()
        await rows.touch(existing.calendar_id)  # type: ignore[attr-defined]
    else:
        data = ical.read(existing.ical)
        for cancelled in events:
            ical.exclude_occurrence(data, cancelled.decoded("RECURRENCE-ID"))
        await rows.store(existing, data)
    return 1


async def _reply(who: Caller, incoming: icalendar.Calendar) -> int:
    """An attendee's answer to a meeting ``who`` organizes."""
    existing = await own_event(who, str(incoming.walk("VEVENT")[0].get("UID", "")))
    if existing is None:
        return 0
    data = ical.read(existing.ical)
    organizer = ical.organizer_of(data)
    if organizer is None or organizer.address != who.email:
        return 0
    changed = 0
    for person in ical.attendees_of(incoming):
        if person.status in ical.PARTSTATS and ical.set_status(data, person.address, person.status):
            changed += 1
    if changed:
        await rows.store(existing, data)
    return changed


def _without_method(incoming: icalendar.Calendar) -> icalendar.Calendar:
    stored = ical.read(ical.write(incoming))
    stored.pop("METHOD", None)
    return stored
