"""Calendar types: calendars as the caller sees them, shares, event occurrences, errors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import icalendar
import strawberry

from mailcore.calendar import expanded, files, ical
from mailcore.calendar.access import Level
from mailcore.calendar.calendars import Listed
from mailcore.calendar.card import Card
from mailcore.calendar.errors import CalendarError
from mailcore.calendar.errors import CalendarErrorCode as CoreCode
from mailcore.calendar.events import Shown
from mailcore.core.models import CalendarAccess as CoreAccess
from mailcore.core.models import CalendarEvent, CalendarShare
from mailcore.core.models import EventPrivacy as CorePrivacy
from schema.admin.types import Done

CalendarErrorCode = strawberry.enum(
    StrEnum("CalendarErrorCode", {c.name: c.value for c in CoreCode})
)
CalendarAccess = strawberry.enum(
    StrEnum("CalendarAccess", {c.name: c.value.upper() for c in CoreAccess}),
    description="What a share gives: FREEBUSY (when, not what), READ or EDIT.",
)
EventPrivacy = strawberry.enum(
    StrEnum("EventPrivacy", {c.name: c.value.upper() for c in CorePrivacy}),
    description="PRIVATE: others who may read the calendar see only that the time is busy.",
)


@strawberry.enum(description="What the caller may do with a calendar.")
class CalendarRole(StrEnum):
    FREEBUSY = "FREEBUSY"
    READ = "READ"
    EDIT = "EDIT"
    OWNER = "OWNER"


@strawberry.type
class Person:
    name: str
    address: str


@strawberry.enum(description="An attendee's answer (iCalendar PARTSTAT).")
class AttendeeStatus(StrEnum):
    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    TENTATIVE = "TENTATIVE"
    DECLINED = "DECLINED"


@strawberry.type
class Attendee:
    name: str
    address: str
    status: AttendeeStatus
    reason: str | None = strawberry.field(
        default=None,
        description="Why a meeting room declined: conflict (another booking overlaps) or "
        "capacity (more people than it seats).",
    )


@strawberry.enum(
    description=(
        "How a reminder reaches you. WECHAT spends one subscribe message you accepted in the"
        " mini-program; SMS goes to the mobile number of your directory entry."
    )
)
class ReminderChannel(StrEnum):
    PUSH = "PUSH"  # the calendarReminder subscription (web app, mini-program)
    MAIL = "MAIL"  # a mail to yourself
    WECHAT = "WECHAT"  # a WeChat subscribe message (mini-program; one accepted each)
    SMS = "SMS"  # a text message to the mobile number of your directory entry


@strawberry.type
class Reminder:
    minutes_before: int
    channels: list[ReminderChannel]


@strawberry.type
class CalendarReminder:
    event_id: strawberry.ID
    summary: str
    location: str
    start: datetime
    end: datetime
    minutes_before: int


@strawberry.type
class EventAttachment:
    id: strawberry.ID
    filename: str
    content_type: str
    size: int
    url: str = strawberry.field(description="A signed download link (?ticket=) for a while.")


@strawberry.type
class BusyPeriod:
    start: datetime
    end: datetime


@strawberry.type
class FreeBusy:
    address: str
    known: bool = strawberry.field(description="A member of your company (else no data).")
    busy: list[BusyPeriod]


@strawberry.type
class Calendar:
    id: strawberry.ID
    name: str
    color: str = strawberry.field(description="The caller's colour for it.")
    description: str
    time_zone: str
    company: bool = strawberry.field(description="A company calendar (administrators edit it).")
    default: bool = strawberry.field(description="The caller's default calendar.")
    role: CalendarRole
    subscribed: bool = strawberry.field(description="Shown in the caller's calendar list.")
    owner: Person | None

    @classmethod
    def of(cls, listed: Listed, member_id: int) -> Calendar:
        c = listed.calendar
        owner = listed.owner
        return cls(
            id=strawberry.ID(str(c.id)),
            name=c.name,
            color=listed.color,
            description=c.description,
            time_zone=c.time_zone,
            company=c.kind == "company",
            default=c.default_of == member_id,
            role=CalendarRole(Level(listed.level).name),
            subscribed=listed.subscribed,
            owner=Person(name=owner[0], address=owner[1]) if owner is not None else None,
        )


@strawberry.type(name="CalendarShare")
class CalendarShareType:
    id: strawberry.ID
    access: CalendarAccess
    member: Person | None
    department_id: strawberry.ID | None
    department_name: str | None

    @classmethod
    def of(cls, share: CalendarShare) -> CalendarShareType:
        member, department = share.member, share.department
        return cls(
            id=strawberry.ID(str(share.id)),
            access=CalendarAccess(share.access.value.upper()),
            member=Person(name=member.name, address=member.email) if member else None,
            department_id=strawberry.ID(str(department.id)) if department else None,
            department_name=department.name if department else None,
        )


@strawberry.type(name="CalendarShares")
class CalendarShares:
    shares: list[CalendarShareType]


@strawberry.type(name="CalendarEvent")
class CalendarEventType:
    """One occurrence (a single event has one)."""

    id: strawberry.ID = strawberry.field(description="The event (the whole series).")
    calendar_id: strawberry.ID
    uid: str
    summary: str
    description: str
    location: str
    start: datetime
    end: datetime
    all_day: bool
    time_zone: str
    recurrence_id: datetime | None = strawberry.field(
        description="An occurrence of a series: its original start (to change or delete it)."
    )
    recurrence: str = strawberry.field(description="The series' RRULE, e.g. FREQ=WEEKLY;BYDAY=MO.")
    privacy: EventPrivacy
    busy_only: bool = strawberry.field(description="Only the times are shown to the caller.")
    editable: bool
    organizer: Person | None = strawberry.field(description="A meeting's organizer.")
    attendees: list[Attendee]
    reminders: list[Reminder]
    data: strawberry.Private[icalendar.Calendar | None]  # None: busy only (no files)

    @strawberry.field(description="Files attached to the event (none when busyOnly).")
    async def attachments(self, info: strawberry.Info) -> list[EventAttachment]:
        sign = info.context.download_url
        return [
            EventAttachment(
                id=strawberry.ID(str(a.id)),
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                url=await sign(f"{files.PATH}/{a.id}"),
            )
            for a in (files.attached(self.data) if self.data is not None else [])
        ]

    @classmethod
    def of(cls, shown: Shown) -> CalendarEventType:
        event, o, data = shown.event, shown.occurrence, shown.data
        facts = shown.facts or expanded.facts_of(data)
        organizer = None if shown.busy_only else facts.organizer
        people = [] if shown.busy_only else facts.attendees
        return cls(
            id=strawberry.ID(str(event.id)),
            calendar_id=strawberry.ID(str(event.calendar_id)),  # type: ignore[attr-defined]
            uid=event.uid,
            summary=o.summary,
            description=o.description,
            location=o.location,
            start=o.start,
            end=o.end,
            all_day=o.all_day,
            time_zone=o.time_zone,
            recurrence_id=o.recurrence_id,
            recurrence="" if shown.busy_only else facts.rrule,
            privacy=EventPrivacy(o.privacy.value.upper()),
            busy_only=shown.busy_only,
            editable=shown.level >= Level.EDIT,
            organizer=Person(name=organizer.name, address=organizer.address) if organizer else None,
            attendees=[
                Attendee(
                    name=p.name,
                    address=p.address,
                    status=_status(p.status),
                    reason=p.reason or None,
                )
                for p in people
            ],
            reminders=[]
            if shown.busy_only
            else [
                Reminder(
                    minutes_before=a.minutes, channels=[ReminderChannel(c) for c in a.channels]
                )
                for a in facts.alarms
            ],
            data=None if shown.busy_only else data,  # files read only when asked for
        )

    @classmethod
    def series(
        cls, event: CalendarEvent, level: Level, data: icalendar.Calendar | None = None
    ) -> CalendarEventType:
        """The event as its master states it (what a mutation returns); ``data``: its object
        if already read."""
        data = ical.read(event.ical) if data is None else data
        return cls.of(Shown(event, ical.first_occurrence(data), level, False, data))


def _status(value: str) -> AttendeeStatus:
    try:
        return AttendeeStatus(value)
    except ValueError:  # DELEGATED and the like from other clients
        return AttendeeStatus.NEEDS_ACTION


@strawberry.type(name="CalendarError")
class CalendarErrorType:
    code: CalendarErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: CalendarError) -> CalendarErrorType:
        return cls(code=CalendarErrorCode(exc.code.value), message=exc.message, field=exc.field)


CalendarResult = Annotated[Calendar | CalendarErrorType, strawberry.union("CalendarResult")]
CalendarSharesResult = Annotated[
    CalendarShares | CalendarErrorType, strawberry.union("CalendarSharesResult")
]
CalendarEventResult = Annotated[
    CalendarEventType | CalendarErrorType, strawberry.union("CalendarEventResult")
]
CalendarDoneResult = Annotated[Done | CalendarErrorType, strawberry.union("CalendarDoneResult")]


@strawberry.type
class MailInvitation:
    """What a mail's calendar part says (iTIP), beside the reader's own calendar."""

    method: str = strawberry.field(description="REQUEST, CANCEL, REPLY, COUNTER, ...")
    uid: str
    summary: str
    start: datetime | None
    end: datetime | None
    all_day: bool
    location: str
    organizer: Person | None
    recurrence: str
    event: CalendarEventType | None = strawberry.field(
        description="The event with this UID in your own calendar (answer it with "
        "respondToEvent); null when it is not there, e.g. after a cancellation."
    )
    my_status: AttendeeStatus | None = strawberry.field(
        description="Your answer as your calendar holds it (null if you are not an attendee)."
    )
    outdated: bool = strawberry.field(
        description="Your calendar already holds a later version of this meeting."
    )
    replies: list[Attendee] = strawberry.field(
        description="The answers the mail carries (a REPLY: who answered and how)."
    )

    @classmethod
    def of(cls, card: Card) -> MailInvitation:
        o, organizer = card.occurrence, card.organizer
        return cls(
            method=card.method,
            uid=card.uid,
            summary=o.summary,
            start=o.start,
            end=o.end,
            all_day=o.all_day,
            location=o.location,
            organizer=Person(name=organizer.name, address=organizer.address) if organizer else None,
            recurrence=card.recurrence,
            event=CalendarEventType.series(card.event, Level.OWNER, card.stored)
            if card.event is not None
            else None,
            my_status=_status(card.my_status) if card.my_status else None,
            outdated=card.outdated,
            replies=[
                Attendee(name=p.name, address=p.address, status=_status(p.status))
                for p in card.people
                if card.method in ("REPLY", "COUNTER")
            ],
        )
