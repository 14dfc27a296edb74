"""Meeting rooms and resources over GraphQL: members list the bookable ones (and invite them
by address, see their bookings with freeBusy); administrators create, change and delete."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.admin.scope import AdminScope
from mailcore.calendar import rooms
from mailcore.calendar.errors import CalendarError
from mailcore.calendar.rooms import RoomFields
from mailcore.core.models import MeetingRoom as Row
from mailcore.core.models import RoomKind as CoreKind
from schema.admin.types import Done
from schema.calendar.resolvers import caller
from schema.calendar.types import CalendarDoneResult, CalendarErrorType
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.enum(description="ROOM: a meeting room; RESOURCE: equipment, a car (iCalendar CUTYPE).")
class RoomKind(StrEnum):
    ROOM = "ROOM"
    RESOURCE = "RESOURCE"


@strawberry.type
class MeetingRoom:
    id: strawberry.ID
    name: str
    address: str = strawberry.field(description="Invite it as an attendee by this address.")
    kind: RoomKind
    capacity: int = strawberry.field(description="People it holds (0: not stated).")
    location: str
    description: str
    active: bool = strawberry.field(description="Bookable (only administrators see others).")
    calendar_id: strawberry.ID = strawberry.field(description="Its calendar of bookings.")

    @classmethod
    def of(cls, room: Row) -> MeetingRoom:
        return cls(
            id=strawberry.ID(str(room.id)),
            name=room.name,
            address=room.address,
            kind=RoomKind(room.kind.value.upper()),
            capacity=room.capacity,
            location=room.location,
            description=room.description,
            active=room.active,
            calendar_id=strawberry.ID(str(room.calendar_id)),  # type: ignore[attr-defined]
        )


MeetingRoomResult = Annotated[
    MeetingRoom | CalendarErrorType, strawberry.union("MeetingRoomResult")
]


@strawberry.input
class MeetingRoomInput:
    name: str
    address: str = strawberry.field(description="In a primary domain of your company, unused.")
    kind: RoomKind = RoomKind.ROOM
    capacity: int = 0
    location: str = ""
    description: str = ""
    active: bool = True


@strawberry.input
class MeetingRoomChangesInput:
    name: str | None = None
    address: str | None = None
    kind: RoomKind | None = None
    capacity: int | None = None
    location: str | None = None
    description: str | None = None
    active: bool | None = None


def _fields(given: MeetingRoomInput | MeetingRoomChangesInput) -> RoomFields:
    return RoomFields(
        name=given.name,
        address=given.address,
        kind=CoreKind(given.kind.value.lower()) if given.kind is not None else None,
        capacity=given.capacity,
        location=given.location,
        description=given.description,
        active=given.active,
    )


async def _scope(info: Info) -> AdminScope:
    scope = await info.context.admin_scope()
    assert scope is not None  # IsAdmin
    return scope


@strawberry.type
class RoomQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your company's meeting rooms and resources by name (administrators also "
        "see those not bookable).",
    )
    async def meeting_rooms(self, info: Info) -> list[MeetingRoom]:
        return [MeetingRoom.of(r) for r in await rooms.listed(await caller(info))]


@strawberry.type
class RoomMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def create_meeting_room(self, info: Info, input: MeetingRoomInput) -> MeetingRoomResult:
        try:
            room = await rooms.create(await _scope(info), _fields(input))
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return MeetingRoom.of(room)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def update_meeting_room(
        self, info: Info, id: strawberry.ID, input: MeetingRoomChangesInput
    ) -> MeetingRoomResult:
        try:
            room = await rooms.update(await _scope(info), id, _fields(input))
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return MeetingRoom.of(room)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Delete a room with its calendar of bookings (meetings keep its address).",
    )
    async def delete_meeting_room(self, info: Info, id: strawberry.ID) -> CalendarDoneResult:
        try:
            await rooms.delete(await _scope(info), id)
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return Done(ok=True)
