"""Calendar queries and mutations: thin, each calls one ``mailcore.calendar`` service."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.calendar import calendars, events, freebusy, ical
from mailcore.calendar.access import Caller, Level
from mailcore.calendar.calendars import CalendarChanges, Listed
from mailcore.calendar.errors import CalendarError
from mailcore.core.models import AdminPermission
from mailcore.core.models import CalendarAccess as CoreAccess
from mailcore.core.models import EventPrivacy as CorePrivacy
from schema.admin.types import Done
from schema.calendar.types import (
    AttendeeStatus,
    BusyPeriod,
    Calendar,
    CalendarAccess,
    CalendarDoneResult,
    CalendarErrorType,
    CalendarEventResult,
    CalendarEventType,
    CalendarResult,
    CalendarShares,
    CalendarSharesResult,
    CalendarShareType,
    EventPrivacy,
    FreeBusy,
    ReminderChannel,
)
from schema.permissions import IsAuthenticated


async def caller(info: Info) -> Caller:
    member = info.context.identity.member
    scope = await info.context.admin_scope()
    is_admin = (  # company calendars and rooms: super admins and the calendar permission
        scope is not None
        and scope.enterprise_id == member.enterprise_id
        and scope.may(AdminPermission.CALENDAR)
    )
    return Caller(member.id, member.enterprise_id, is_admin, member.email)


def _zone(info: Info) -> str:
    return info.context.runtime.settings.time_zone


def _shown(listed: Listed, info: Info) -> Calendar:
    return Calendar.of(listed, info.context.member_id)


@strawberry.input
class CalendarInput:
    name: str
    color: str = "#1677ff"
    description: str = ""
    time_zone: str | None = strawberry.field(default=None, description="Default: the server's.")
    company: bool = strawberry.field(
        default=False, description="A company calendar every member reads (administrators)."
    )


@strawberry.input
class CalendarChangesInput:
    name: str | None = None
    color: str | None = None
    description: str | None = None
    time_zone: str | None = None


@strawberry.input
class ReminderInput:
    minutes_before: int = strawberry.field(description="0 to 40320 (four weeks).")
    channels: list[ReminderChannel] = strawberry.field(
        default_factory=lambda: [ReminderChannel.PUSH]
    )


@strawberry.input
class EventInput:
    calendar_id: strawberry.ID | None = strawberry.field(
        default=None, description="Where to create it (default: your default calendar)."
    )
    summary: str
    start: datetime
    end: datetime | None = strawberry.field(default=None, description="Default: an hour later.")
    all_day: bool = strawberry.field(
        default=False, description="Whole days: the dates of start and end in the time zone."
    )
    time_zone: str | None = strawberry.field(
        default=None,
        description="IANA zone the event keeps its times in (default: the calendar's).",
    )
    description: str = ""
    location: str = ""
    recurrence: str = strawberry.field(
        default="", description="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10."
    )
    recurrence_dates: list[datetime] | None = strawberry.field(
        default=None, description="Extra dates of the series; on a change, None keeps them."
    )
    excluded_dates: list[datetime] | None = strawberry.field(
        default=None,
        description="Dates the series skips; on a change, None keeps them (moved with the "
        "series when its start moves).",
    )
    privacy: EventPrivacy = EventPrivacy.PUBLIC  # type: ignore[valid-type]
    reminders: list[ReminderInput] | None = strawberry.field(
        default=None, description="Before each occurrence (at most 5); None keeps them."
    )
    attendees: list[str] | None = strawberry.field(
        default=None,
        description="Invite these addresses (you organize the meeting); on a change, None keeps "
        "those invited and a list replaces them (the removed get a cancellation).",
    )


def _fields(input: EventInput, time_zone: str) -> ical.EventFields:
    return ical.fields_for(
        summary=input.summary,
        start=input.start,
        end=input.end,
        all_day=input.all_day,
        time_zone=input.time_zone or time_zone,
        description=input.description,
        location=input.location,
        rrule=input.recurrence,
        rdates=input.recurrence_dates,
        exdates=input.excluded_dates,
        privacy=CorePrivacy(input.privacy.value.lower()),
        alarms=None
        if input.reminders is None
        else [
            ical.Alarm(r.minutes_before, tuple(dict.fromkeys(c.value for c in r.channels)))
            for r in input.reminders
        ],
    )


def _error(exc: CalendarError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


@strawberry.type
class CalendarQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your calendar list: your own (the default first made if none), then the "
        "shared and company calendars you show.",
    )
    async def calendars(self, info: Info) -> list[Calendar]:
        listed = await calendars.my_calendars(await caller(info), _zone(info))
        return [_shown(item, info) for item in listed]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Company calendars and calendars shared with you or your departments.",
    )
    async def available_calendars(self, info: Info) -> list[Calendar]:
        return [_shown(item, info) for item in await calendars.available(await caller(info))]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Occurrences overlapping [start, end) (at most 400 days) in the calendars "
        "named (default: your calendar list), recurrences expanded, by start.",
    )
    async def calendar_events(
        self,
        info: Info,
        start: datetime,
        end: datetime,
        calendar_ids: list[strawberry.ID] | None = None,
    ) -> list[CalendarEventType]:
        who = await caller(info)
        if calendar_ids is None:
            ids = [item.calendar.id for item in await calendars.my_calendars(who, _zone(info))]
        else:
            ids = [calendars.parse_id(c) for c in calendar_ids[:200]]
        try:
            shown = await events.in_range(who, ids, start, end)
        except CalendarError as exc:
            raise _error(exc) from exc
        return [CalendarEventType.of(s) for s in shown]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="When colleagues are busy in [start, end) (at most 100 of them), from every "
        "calendar they own: times only.",
    )
    async def free_busy(
        self, info: Info, addresses: list[str], start: datetime, end: datetime
    ) -> list[FreeBusy]:
        try:
            found = await freebusy.free_busy(await caller(info), addresses, start, end)
        except CalendarError as exc:
            raise _error(exc) from exc
        return [
            FreeBusy(
                address=b.address,
                known=b.known,
                busy=[BusyPeriod(start=s, end=e) for s, e in b.periods],
            )
            for b in found
        ]

    @strawberry.field(
        permission_classes=[IsAuthenticated], description="Who a calendar you own is shared with."
    )
    async def calendar_shares(self, info: Info, id: strawberry.ID) -> CalendarSharesResult:
        try:
            found = await calendars.shares(await caller(info), id)
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return CalendarShares(shares=[CalendarShareType.of(s) for s in found])


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def create_calendar(self, info: Info, input: CalendarInput) -> CalendarResult:
        who = await caller(info)
        try:
            calendar = await calendars.create(
                who,
                input.name,
                input.color,
                input.description,
                input.time_zone or _zone(info),
                company=input.company,
            )
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        listed = await calendars.with_owners([Listed(calendar, Level.OWNER, calendar.color, True)])
        return _shown(listed[0], info)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def update_calendar(
        self, info: Info, id: strawberry.ID, input: CalendarChangesInput
    ) -> CalendarResult:
        changes = CalendarChanges(input.name, input.color, input.description, input.time_zone)
        try:
            calendar = await calendars.update(await caller(info), id, changes)
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        listed = await calendars.with_owners([Listed(calendar, Level.OWNER, calendar.color, True)])
        return _shown(listed[0], info)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Delete a calendar you own with its events (not your default calendar).",
    )
    async def delete_calendar(self, info: Info, id: strawberry.ID) -> CalendarDoneResult:
        try:
            await calendars.delete(await caller(info), id)
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return Done(ok=True)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Show a shared or company calendar in your list, or set your colour for it.",
    )
    async def subscribe_calendar(
        self, info: Info, id: strawberry.ID, color: str | None = None
    ) -> CalendarResult:
        who = await caller(info)
        try:
            if color is not None:
                listed = await calendars.set_color(who, id, color)
            else:
                listed = await calendars.subscribe(who, id)
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return _shown((await calendars.with_owners([listed]))[0], info)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def unsubscribe_calendar(self, info: Info, id: strawberry.ID) -> CalendarDoneResult:
        await calendars.unsubscribe(await caller(info), id)
        return Done(ok=True)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Share a calendar you own with members (by address) and departments "
        "(with their sub-departments); a second share of the same one changes its access.",
    )
    async def share_calendar(
        self,
        info: Info,
        id: strawberry.ID,
        access: CalendarAccess,  # type: ignore[valid-type]
        members: list[str] | None = None,
        department_ids: list[strawberry.ID] | None = None,
    ) -> CalendarSharesResult:
        try:
            found = await calendars.share(
                await caller(info),
                id,
                CoreAccess(access.value.lower()),
                members or [],
                list(department_ids or []),
            )
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return CalendarShares(shares=[CalendarShareType.of(s) for s in found])

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def unshare_calendar(self, info: Info, share_id: strawberry.ID) -> CalendarDoneResult:
        try:
            await calendars.unshare(await caller(info), share_id)
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return Done(ok=True)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def create_event(self, info: Info, input: EventInput) -> CalendarEventResult:
        who = await caller(info)
        try:
            calendar_id = (
                input.calendar_id or (await calendars.default_calendar(who, _zone(info))).id
            )
            calendar, _ = await calendars.visible(who, calendar_id, Level.EDIT)
            event = await events.create(
                who,
                calendar.id,
                _fields(input, calendar.time_zone),
                attendees=input.attendees,
            )
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return CalendarEventType.series(event, Level.EDIT)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Change an event: the whole series, or with `occurrence` (an occurrence's "
        "recurrenceId) that occurrence only.",
    )
    async def update_event(
        self,
        info: Info,
        id: strawberry.ID,
        input: EventInput,
        occurrence: datetime | None = None,
    ) -> CalendarEventResult:
        who = await caller(info)
        try:
            event, level = await events.get(who, id, Level.EDIT)
            fields = _fields(input, event.calendar.time_zone)
            event = await events.update(
                who,
                id,
                fields,
                occurrence,
                attendees=input.attendees,
            )
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return CalendarEventType.series(event, level)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Answer a meeting invitation in your calendar; colleagues' calendars show "
        "it at once, an organizer outside the company gets a REPLY mail.",
    )
    async def respond_to_event(
        self, info: Info, id: strawberry.ID, status: AttendeeStatus
    ) -> CalendarEventResult:
        who = await caller(info)
        try:
            event, level = await events.respond(who, id, status.value)
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return CalendarEventType.series(event, level)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Delete an event, or with `occurrence` only that occurrence of a series. "
        "The organizer's deletion cancels the meeting; an attendee's declines it.",
    )
    async def delete_event(
        self, info: Info, id: strawberry.ID, occurrence: datetime | None = None
    ) -> CalendarDoneResult:
        try:
            await events.delete(await caller(info), id, occurrence)
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return Done(ok=True)
