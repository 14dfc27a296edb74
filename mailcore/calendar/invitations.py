"""Meeting invitations (U8, iTIP over iMIP: RFC 5546, RFC 6047).

The organizer's event names the attendees. Attendees who are members of the same
enterprise get the event in their default calendar at once (a copy with the same UID,
their answer NEEDS-ACTION); every attendee gets the invitation by mail (REQUEST: a readable
HTML part and the ``text/calendar; method=REQUEST`` part Outlook, Gmail and Apple Calendar
act on), sent as the organizer through the one sending path, with a copy in their Sent
folder. Changing the event sends the REQUEST again (a higher SEQUENCE) and updates the
copies; removing attendees or deleting the event sends them CANCEL and removes their
copies. An attendee's answer updates every copy inside the company at once, and goes to an
organizer outside it as a REPLY mail.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime

from mailcore.calendar import ical, rows
from mailcore.calendar.access import Caller
from mailcore.calendar.calendars import default_calendar
from mailcore.calendar.errors import invalid
from mailcore.core.mime.build import build_message
from mailcore.core.mime.types import Address
from mailcore.core.models import Calendar, CalendarEvent, Member
from mailcore.mail.routing import route
from mailcore.mail.submit import submit
from mailcore.org.addresses import is_valid_address, normalize_address
from mailcore.store.ingest import Ingestor, IngestSource

log = logging.getLogger(__name__)

MAX_ATTENDEES = 200
ANSWERS = {"ACCEPTED": "已接受", "TENTATIVE": "暂定", "DECLINED": "已拒绝"}


async def people(who: Caller, addresses: list[str]) -> tuple[ical.Person, list[ical.Person]]:
    """The organizer (the caller) and the attendees named, checked, with members' names."""
    if len(addresses) > MAX_ATTENDEES:
        raise invalid(f"at most {MAX_ATTENDEES} attendees", "attendees")
    wanted: list[str] = []
    for raw in addresses:
        address = normalize_address(raw)
        if not is_valid_address(address):
            raise invalid(f"not an address: {raw[:80]}", "attendees")
        if address not in wanted:
            wanted.append(address)
    routes = await route(wanted)
    if routes.unknown:  # a hosted domain without that mailbox: the mail would be refused
        raise invalid(f"no such mailbox: {routes.unknown[0]}", "attendees")
    me = await Member.get(id=who.member_id).only("id", "name", "email")
    names = dict(await Member.filter(email__in=wanted).values_list("email", "name"))
    organizer = ical.Person(me.email, me.name)
    attendees = [ical.Person(a, names.get(a, "")) for a in wanted if a != me.email]
    return organizer, attendees


async def send_changes(
    ingestor: Ingestor,
    who: Caller,
    event: CalendarEvent,
    before: list[ical.Person],
    cancelled: bool = False,
) -> None:
    """After the organizer's event was stored: copies for colleagues, REQUEST to everyone
    invited now, CANCEL to those invited before and not now (everyone: ``cancelled``)."""
    data = ical.read(event.ical)
    now = [] if cancelled else ical.attendees_of(data)
    dropped = [p for p in before if p.address not in {n.address for n in now}]
    await _sync_copies(who, event, data, now, dropped)
    member = await Member.get(id=who.member_id)
    if now:
        await _mail(ingestor, member, data, "REQUEST", [p.address for p in now])
    if dropped:
        await _mail(ingestor, member, data, "CANCEL", [p.address for p in dropped])


async def respond(
    ingestor: Ingestor, who: Caller, event: CalendarEvent, status: str
) -> CalendarEvent:
    """The caller's answer to an invitation in their calendar."""
    if status not in ANSWERS:
        raise invalid("answer ACCEPTED, TENTATIVE or DECLINED", "status")
    member = await Member.get(id=who.member_id)
    data = ical.read(event.ical)
    organizer = ical.organizer_of(data)
    if organizer is None or not ical.set_status(data, member.email, status):
        raise invalid("you are not invited to this event", "id")
    copies = await CalendarEvent.filter(uid=event.uid, calendar__enterprise_id=who.enterprise_id)
    for copy in copies:  # the organizer's and every colleague's copy learn the answer
        other = ical.read(copy.ical)
        if ical.set_status(other, member.email, status):
            await rows.store(copy, other)
    await event.refresh_from_db()
    organizer_here = await Member.filter(
        email=organizer.address, enterprise_id=who.enterprise_id
    ).exists()
    if not organizer_here:
        reply = ical.read(event.ical)
        await _mail(ingestor, member, reply, "REPLY", [organizer.address], answer=status)
    return event


async def _sync_copies(
    who: Caller,
    event: CalendarEvent,
    data,
    now: list[ical.Person],
    dropped: list[ical.Person],
) -> None:
    colleagues = dict(
        await Member.filter(
            email__in=[p.address for p in now + dropped],
            enterprise_id=who.enterprise_id,
            deleted_at=None,
        ).values_list("email", "id")
    )
    zone_name = ical.time_zone_of(ical.master_of(data))
    for person in now:
        member_id = colleagues.get(person.address)
        if member_id is None or member_id == who.member_id:
            continue
        calendar = await default_calendar(Caller(member_id, who.enterprise_id), zone_name)
        copy = await CalendarEvent.filter(calendar_id=calendar.id, uid=event.uid).first()
        mine = ical.read(event.ical)
        if copy is not None:  # keep the answer they gave
            for known in ical.attendees_of(ical.read(copy.ical)):
                if known.address == person.address:
                    ical.set_status(mine, person.address, known.status)
        else:
            copy = CalendarEvent(calendar_id=calendar.id, created_by_id=who.member_id)
        await rows.store(copy, mine)
    gone = [colleagues[p.address] for p in dropped if p.address in colleagues]
    if gone:
        calendars = await Calendar.filter(default_of__in=gone).values_list("id", flat=True)
        await (
            CalendarEvent.filter(uid=event.uid, calendar_id__in=list(calendars))
            .exclude(id=event.id)
            .delete()
        )


async def _mail(
    ingestor: Ingestor,
    member: Member,
    data,
    method: str,
    recipients: list[str],
    answer: str = "",
) -> None:
    """One mail to ``recipients`` as ``member`` carrying the iTIP ``method``. A failure is
    logged: the calendar change stands (the organizer can send again by saving)."""
    master = ical.master_of(data)
    summary = str(master.get("SUMMARY", ""))
    first = ical.first_occurrence(data)
    prefix = {
        "REQUEST": "邀请" if int(master.get("SEQUENCE", 0)) == 0 else "已更新邀请",
        "CANCEL": "已取消",
        "REPLY": ANSWERS.get(answer, "答复"),
    }[method]
    subject = f"{prefix}: {summary}"
    body = _html(data, first.start, first.end, method, member, answer)
    raw, _ = build_message(
        from_=Address(name=member.name, address=member.email),
        to=[Address(name="", address=r) for r in recipients],
        cc=[],
        subject=subject,
        text=None,
        html=body,
        domain=member.email.rpartition("@")[2],
        calendar=(method, ical.itip(data, method, member.email if method == "REPLY" else None)),
    )
    try:
        await submit(
            ingestor,
            member,
            raw,
            envelope_from=member.email,
            recipients=recipients,
            source=IngestSource.COMPOSE,
        )
    except Exception:  # noqa: BLE001 - mail is best effort; the event is stored
        log.exception("sending %s for event %s failed", method, master.get("UID"))


def _html(data, start: datetime, end: datetime, method: str, member: Member, answer: str) -> str:
    master = ical.master_of(data)
    lines = [
        ("主题 Subject", str(master.get("SUMMARY", ""))),
        (
            "时间 When",
            f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} ({ical.time_zone_of(master)})",
        ),
        ("地点 Where", str(master.get("LOCATION", ""))),
        ("重复 Repeats", ical.rrule_of(data)),
    ]
    organizer = ical.organizer_of(data)
    if organizer is not None:
        lines.append(("组织者 Organizer", f"{organizer.name} <{organizer.address}>"))
    lines.append(
        (
            "参与者 Attendees",
            ", ".join(f"{p.name or p.address} ({p.status})" for p in ical.attendees_of(data)),
        )
    )
    lead = {
        "REQUEST": f"{member.name or member.email} 邀请您参加会议。",
        "CANCEL": "此会议已取消。 This meeting has been cancelled.",
        "REPLY": f"{member.name or member.email}: {answer}",
    }[method]
    cells = "".join(
        f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in lines
        if v
    )
    description = html.escape(str(master.get("DESCRIPTION", ""))).replace("\n", "<br>")
    return f"<p>{html.escape(lead)}</p><table>{cells}</table><p>{description}</p>"
