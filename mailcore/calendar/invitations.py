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
import uuid
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mailcore.calendar import files, ical, rooms, rows
from mailcore.calendar.access import Caller
from mailcore.calendar.calendars import default_calendar
from mailcore.calendar.errors import invalid
from mailcore.core.mime.build import OutgoingAttachment, build_message
from mailcore.core.mime.types import Address
from mailcore.core.models import Calendar, CalendarEvent, CalendarMailClaim, Member, Message
from mailcore.mail.routing import route
from mailcore.mail.submit import submit
from mailcore.org.addresses import is_valid_address, normalize_address
from mailcore.store import outbox
from mailcore.store.errors import MailError
from mailcore.store.ingest import Ingestor, IngestSource
from mailcore.store.registry import Job

log = logging.getLogger(__name__)

MAX_ATTENDEES = 200
TOPIC = "calendar.itip"
CLAIM = timedelta(minutes=1)  # longer than a submit takes
KEEP_CLAIMS = timedelta(days=7)  # longer than the outbox retries a job
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
    found = await rooms.named(who.enterprise_id, wanted)
    routes = await route([a for a in wanted if a not in found])
    if routes.unknown:  # a hosted domain without that mailbox: the mail would be refused
        raise invalid(f"no such mailbox: {routes.unknown[0]}", "attendees")
    me = await Member.get(id=who.member_id).only("id", "name", "email")
    names = dict(await Member.filter(email__in=wanted).values_list("email", "name"))
    organizer = ical.Person(me.email, me.name)
    attendees = [
        ical.Person(a, found[a].name, cutype=found[a].kind.value.upper())
        if a in found
        else ical.Person(a, names.get(a, ""))
        for a in wanted
        if a != me.email
    ]
    return organizer, attendees


async def answer_rooms(who: Caller, data) -> None:
    """Before the organizer's event is stored: the rooms it invites answer in ``data``, so
    the event is stored once, with their answers (``send_changes(..., rooms_answered=True)``
    then only books)."""
    everyone = ical.attendees_of(data)
    found = await rooms.named(who.enterprise_id, [p.address for p in everyone])
    if found:
        await rooms.answer(str(ical.master_of(data)["UID"]), data, found)


async def send_changes(
    who: Caller,
    event: CalendarEvent,
    before: list[ical.Person],
    cancelled: bool = False,
    rooms_answered: bool = False,
) -> None:
    """With the organizer's change of the event, inside its transaction: copies for
    colleagues and rooms, and jobs mailing REQUEST to everyone invited now and CANCEL to
    those invited before and not now (everyone: ``cancelled``). ``rooms_answered``: the
    caller ran ``answer_rooms`` on the data it stored (else the rooms answer here and the
    event is stored again)."""
    data = ical.read(event.ical)
    everyone = [] if cancelled else ical.attendees_of(data)
    gone = [p for p in before if p.address not in {n.address for n in everyone}]
    found = await rooms.named(who.enterprise_id, [p.address for p in everyone + gone])
    booked = {p.address: found[p.address] for p in everyone if p.address in found}
    freed = {p.address: found[p.address] for p in gone if p.address in found}
    if not rooms_answered and await rooms.answer(event.uid, data, booked):
        await rows.store(event, data)
    await rooms.book(event, data, booked, freed)
    now = [p for p in everyone if p.address not in found]  # people: copies and mail
    dropped = [p for p in gone if p.address not in found]
    await _sync_copies(who, event, data, now, dropped)
    jobs = []
    if now:
        jobs.append(_job(who.member_id, data, "REQUEST", [p.address for p in now]))
    if dropped:
        jobs.append(_job(who.member_id, data, "CANCEL", [p.address for p in dropped]))
    await outbox.add(jobs)


async def respond(who: Caller, event: CalendarEvent, status: str) -> CalendarEvent:
    """The caller's answer to an invitation in their calendar, with every copy in the
    company and (an organizer outside it) the REPLY mail's job in one transaction."""
    if status not in ANSWERS:
        raise invalid("answer ACCEPTED, TENTATIVE or DECLINED", "status")
    member = await Member.get(id=who.member_id)
    data = ical.read(event.ical)
    organizer = ical.organizer_of(data)
    if organizer is None or not ical.set_status(data, member.email, status):
        raise invalid("you are not invited to this event", "id")
    organizer_here = await Member.filter(
        email=organizer.address, enterprise_id=who.enterprise_id
    ).exists()
    async with in_transaction():
        copies = await CalendarEvent.filter(
            uid=event.uid, calendar__enterprise_id=who.enterprise_id
        )
        for copy in copies:  # the organizer's and every colleague's copy learn the answer
            other = ical.read(copy.ical)
            if ical.set_status(other, member.email, status):
                await rows.store(copy, other)
        if not organizer_here:
            reply = _job(who.member_id, data, "REPLY", [organizer.address], answer=status)
            await outbox.add([reply])
    await event.refresh_from_db()
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


def _job(member_id: int, data, method: str, recipients: list[str], answer: str = "") -> Job:
    """The job of one iTIP mail: the event as it is now (a cancelled one may be gone when the
    job runs) and a key that names the mail's Message-ID, so a repeat sends nothing."""
    return Job(
        TOPIC,
        {
            "member": member_id,
            "ical": ical.write(data),
            "method": method,
            "recipients": recipients,
            "answer": answer,
            "key": uuid.uuid4().hex,
        },
    )


class Mailer:
    """The outbox handler of ``TOPIC``: each job one mail as the member, through the one
    sending path (a copy in their Sent), at most once (its Message-ID names the job)."""

    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor

    async def __call__(self, payloads: list[dict]) -> None:
        busy = [p["key"] for p in payloads if await self.send(p) == "busy"]
        if busy:  # the outbox tries the batch again later: by then sent, or the claim free
            raise RuntimeError(f"{len(busy)} meeting mails are being sent by another worker")

    async def send(self, payload: dict) -> str:
        """``sent``; ``done`` (sent before, or refused for good); ``busy`` (another worker
        holds its claim: try again later)."""
        member = await Member.filter(id=int(payload["member"]), deleted_at=None).first()
        if member is None:
            return "done"
        message_id = f"itip.{payload['key']}@{member.email.rpartition('@')[2]}"
        if await Message.filter(message_id=message_id).exists():
            return "done"  # a repeat of this job
        if not await _claim(payload["key"]):
            return "busy"
        data = ical.read(payload["ical"])
        method, answer = payload["method"], payload["answer"]
        recipients = list(payload["recipients"])
        domain = member.email.rpartition("@")[2]
        attached = (  # the files themselves, named by CID: in the REQUEST (as Outlook sends)
            await files.for_mail(self.ingestor.blobs, data, domain) if method == "REQUEST" else []
        )
        raw = _message(member, data, method, recipients, answer, message_id, attached)
        try:
            await submit(
                self.ingestor,
                member,
                raw,
                envelope_from=member.email,
                recipients=recipients,
                source=IngestSource.COMPOSE,
            )
        except MailError as exc:  # refused for good (a mailbox removed since): not retried
            log.warning("%s for %s not sent: %s", method, payload["key"], exc.message)
            return "done"
        except BaseException:  # not stored: free the claim for the outbox's next try
            await CalendarMailClaim.filter(key=payload["key"]).delete()
            raise
        return "sent"


async def _claim(key: str) -> bool:
    """Take the job's key; a claim left by a process that died before its mail was stored is
    taken again after ``CLAIM``. Old claims are cleared on the way."""
    now = datetime.now(UTC)
    await CalendarMailClaim.filter(claimed_at__lt=now - KEEP_CLAIMS).delete()
    try:
        await CalendarMailClaim.create(key=key, claimed_at=now)
        return True
    except IntegrityError:
        stale = CalendarMailClaim.filter(key=key, claimed_at__lt=now - CLAIM)
        return await stale.update(claimed_at=now) == 1


def _message(
    member: Member,
    data,
    method: str,
    recipients: list[str],
    answer: str,
    message_id: str,
    attached: list[OutgoingAttachment] | None = None,
) -> bytes:
    master = ical.master_of(data)
    summary = str(master.get("SUMMARY", ""))
    first = ical.first_occurrence(data)
    prefix = {
        "REQUEST": "邀请" if int(master.get("SEQUENCE", 0)) == 0 else "已更新邀请",
        "CANCEL": "已取消",
        "REPLY": ANSWERS.get(answer, "答复"),
    }[method]
    raw, _ = build_message(
        from_=Address(name=member.name, address=member.email),
        to=[Address(name="", address=r) for r in recipients],
        cc=[],
        subject=f"{prefix}: {summary}",
        text=None,
        html=_html(data, first.start, first.end, method, member, answer, attached),
        attachments=attached or [],
        domain=member.email.rpartition("@")[2],
        message_id=message_id,
        calendar=(method, ical.itip(data, method, member.email if method == "REPLY" else None)),
    )
    return raw


def _html(
    data,
    start: datetime,
    end: datetime,
    method: str,
    member: Member,
    answer: str,
    attached: list[OutgoingAttachment] | None = None,
) -> str:
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
    if attached:
        lines.append(("附件 Attachments", ", ".join(a.filename for a in attached)))
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
