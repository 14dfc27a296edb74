"""Meeting rooms and resources (issue 19, item 3): administrators keep them; meetings invite
them by address like an attendee (CUTYPE=ROOM or RESOURCE), and each answers by itself —
ACCEPTED when it is free for every occurrence, DECLINED when another booking overlaps or a
room has fewer seats than the meeting has people (the reason in the ATTENDEE's
``X-QIYOU-REASON``) — with the booking kept in the room's own calendar (kind ``room``, read
by every member).

A room is not a mailbox: it gets no invitation mail, and its address may not be used by a
member, an alias or a group (nor theirs by a room).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.calendar import ical, rows
from mailcore.calendar.access import Caller
from mailcore.calendar.errors import CalendarError, CalendarErrorCode, invalid, not_found
from mailcore.core.models import (
    AdminPermission,
    Alias,
    Calendar,
    CalendarEvent,
    CalendarKind,
    Domain,
    MailGroup,
    MeetingRoom,
    Member,
    RoomKind,
)
from mailcore.org.addresses import is_valid_address, normalize_address, split_address

MAX_ROOMS = 1_000  # per enterprise
MAX_NAME = 100
MAX_CAPACITY = 100_000
HORIZON = 400  # days of a series checked for conflicts
CONFLICT = "conflict"  # why a room declined: another booking overlaps
CAPACITY = "capacity"  # more people (attendees and the organizer) than the room seats
MAX_CHECKED = 1_000  # occurrences of each event compared


@dataclass
class RoomFields:
    name: str | None = None
    address: str | None = None
    kind: RoomKind | None = None
    capacity: int | None = None
    location: str | None = None
    description: str | None = None
    active: bool | None = None


async def listed(who: Caller) -> list[MeetingRoom]:
    """The enterprise's rooms by name: the bookable ones; administrators see all."""
    rooms = MeetingRoom.filter(enterprise_id=who.enterprise_id)
    if not who.is_admin:
        rooms = rooms.filter(active=True)
    return await rooms.order_by("name", "id")


async def create(scope: AdminScope, given: RoomFields) -> MeetingRoom:
    _allowed(scope)
    if await MeetingRoom.filter(enterprise_id=scope.enterprise_id).count() >= MAX_ROOMS:
        raise invalid(f"at most {MAX_ROOMS} rooms", "name")
    if given.name is None or given.address is None:
        raise invalid("a room needs a name and an address", "name")
    values = _checked(given)
    values["address"] = await _free_address(scope.enterprise_id, given.address)
    async with in_transaction():
        calendar = await Calendar.create(
            enterprise_id=scope.enterprise_id,
            owner_id=None,
            kind=CalendarKind.ROOM,
            name=str(values["name"]),
        )
        room = await MeetingRoom.create(
            enterprise_id=scope.enterprise_id, calendar_id=calendar.id, **values
        )
        await record(scope, "room.create", room.address, room_id=room.id, name=room.name)
    return room


async def update(scope: AdminScope, room_id: int | str, given: RoomFields) -> MeetingRoom:
    room = await _get(scope, room_id)
    values = _checked(given)
    if given.address is not None and normalize_address(given.address) != room.address:
        values["address"] = await _free_address(scope.enterprise_id, given.address)
    room.update_from_dict(values)
    async with in_transaction():
        await room.save()
        changed = {k: str(v) for k, v in values.items()}
        await record(scope, "room.update", room.address, room_id=room.id, **changed)
        if "name" in values:
            await Calendar.filter(id=room.calendar_id).update(name=values["name"])  # type: ignore[attr-defined]
    return room


async def delete(scope: AdminScope, room_id: int | str) -> None:
    """The room and its calendar of bookings (meetings keep it as a plain attendee)."""
    room = await _get(scope, room_id)
    async with in_transaction():
        await Calendar.filter(id=room.calendar_id).delete()  # type: ignore[attr-defined]
        await record(scope, "room.delete", room.address, room_id=room.id, name=room.name)


async def named(enterprise_id: int, addresses: list[str]) -> dict[str, MeetingRoom]:
    """The enterprise's bookable rooms among ``addresses`` (normalized), by address."""
    if not addresses:
        return {}
    rooms = await MeetingRoom.filter(
        enterprise_id=enterprise_id, address__in=addresses, active=True
    )
    return {r.address: r for r in rooms}


async def answer(uid: str, data: icalendar.Calendar, invited: dict[str, MeetingRoom]) -> bool:
    """Each room invited answers in ``data`` (its PARTSTAT): ACCEPTED when free for every
    occurrence, DECLINED on a conflict. Whether an answer changed ``data``. Called before the
    organizer's event is stored, so it is stored once with the answers."""
    changed = False
    everyone = ical.attendees_of(data)
    before = {p.address: (p.status, p.reason) for p in everyone}
    people = 1 + sum(1 for p in everyone if p.cutype not in ("ROOM", "RESOURCE"))  # organizer
    for address, room in invited.items():
        reason = ""
        if room.kind is RoomKind.ROOM and room.capacity and people > room.capacity:
            reason = CAPACITY  # more people than seats: declined whatever the time
        elif await _conflicts(room, uid, data):
            reason = CONFLICT
        answer = ("DECLINED" if reason else "ACCEPTED", reason)
        if before.get(address) != answer:
            ical.set_status(data, address, *answer)
            changed = True
    return changed


async def book(
    event: CalendarEvent,
    data: icalendar.Calendar,
    invited: dict[str, MeetingRoom],
    dropped: dict[str, MeetingRoom],
) -> None:
    """Inside the organizer's transaction, after ``answer``: each room invited keeps its copy
    of the meeting when it accepted, drops it otherwise; rooms no longer invited drop theirs."""
    accepted = {p.address for p in ical.attendees_of(data) if p.status == "ACCEPTED"}
    for address, room in invited.items():
        copy = await CalendarEvent.filter(calendar_id=room.calendar_id, uid=event.uid).first()  # type: ignore[attr-defined]
        if address not in accepted:
            if copy is not None:
                await copy.delete()
                await rows.touch(room.calendar_id)  # type: ignore[attr-defined]
            continue
        if copy is None:
            copy = CalendarEvent(calendar_id=room.calendar_id, created_by_id=event.created_by_id)  # type: ignore[attr-defined]
        await rows.store(copy, ical.read(ical.write(data)))
    calendars = [r.calendar_id for r in dropped.values()]  # type: ignore[attr-defined]
    if calendars:
        await CalendarEvent.filter(uid=event.uid, calendar_id__in=calendars).delete()
        for calendar_id in calendars:
            await rows.touch(calendar_id)


async def _conflicts(room: MeetingRoom, uid: str, data: icalendar.Calendar) -> bool:
    """Whether another booking of the room overlaps an occurrence of ``data`` (a series is
    checked for ``HORIZON`` days from its start)."""
    first, last = ical.span(data)
    start = first.astimezone(UTC)
    end = min(last or datetime.max.replace(tzinfo=UTC), start + timedelta(days=HORIZON))
    mine = [(o.start, o.end) for o in ical.occurrences(data, start, end, MAX_CHECKED)]
    if not mine:
        return False
    others = await CalendarEvent.filter(
        Q(until_at=None) | Q(until_at__gt=start),
        calendar_id=room.calendar_id,  # type: ignore[attr-defined]
        start_at__lt=end,
    ).exclude(uid=uid)
    for other in others:
        booked = ical.read(other.ical)
        if not ical.blocks_time(booked, room.address):
            continue
        for o in ical.occurrences(booked, start, end, MAX_CHECKED):
            if any(o.start < finish and begin < o.end for begin, finish in mine):
                return True
    return False


def _allowed(scope: AdminScope) -> None:
    try:
        scope.require(AdminPermission.CALENDAR)
    except AdminError as exc:
        raise CalendarError(CalendarErrorCode.FORBIDDEN, exc.message, "id") from None


async def _get(scope: AdminScope, room_id: int | str) -> MeetingRoom:
    _allowed(scope)
    try:
        key = int(room_id)
    except (TypeError, ValueError):
        raise not_found("room") from None
    room = await MeetingRoom.filter(id=key, enterprise_id=scope.enterprise_id).first()
    if room is None:
        raise not_found("room")
    return room


def _checked(given: RoomFields) -> dict[str, object]:
    values: dict[str, object] = {}
    if given.name is not None:
        name = " ".join(given.name.split())
        if not 1 <= len(name) <= MAX_NAME:
            raise invalid(f"a name has 1 to {MAX_NAME} characters", "name")
        values["name"] = name
    if given.capacity is not None:
        if not 0 <= given.capacity <= MAX_CAPACITY:
            raise invalid(f"a capacity is 0 to {MAX_CAPACITY}", "capacity")
        values["capacity"] = given.capacity
    if given.location is not None:
        if len(given.location) > 200:
            raise invalid("a location has at most 200 characters", "location")
        values["location"] = given.location.strip()
    if given.description is not None:
        if len(given.description) > 2_000:
            raise invalid("a description has at most 2,000 characters", "description")
        values["description"] = given.description
    if given.kind is not None:
        values["kind"] = given.kind
    if given.active is not None:
        values["active"] = given.active
    return values


async def _free_address(enterprise_id: int, raw: str) -> str:
    """A valid address in a primary domain of the caller's enterprise that nothing uses."""
    address = normalize_address(raw)
    if not is_valid_address(address):
        raise invalid(f"not an address: {raw[:80]}", "address")
    domain = await Domain.filter(name=split_address(address)[1]).first()
    if domain is None or domain.enterprise_id != enterprise_id or domain.is_alias:  # type: ignore[attr-defined]
        raise invalid("the address must be in a primary domain of your company", "address")
    if (
        await Member.filter(email=address).exists()
        or await Alias.filter(email=address).exists()
        or await MailGroup.filter(email=address).exists()
        or await MeetingRoom.filter(address=address).exists()
    ):
        raise invalid(f"{address} is already in use", "address")
    return address
