"""Who may do what with a calendar.

A member owns their personal calendars. A company calendar, and a meeting room's calendar of
bookings, is read by every member of its enterprise and managed by its administrators. A
share gives one member, or every member of a department and of its sub-departments,
``freebusy`` (when, not what), ``read`` or ``edit``; the strongest that applies counts.
Nothing crosses enterprises.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from mailcore.core.models import Calendar, CalendarAccess, CalendarKind, CalendarShare, Member
from mailcore.notices.audience import reach


class Level(IntEnum):
    NONE = 0
    FREEBUSY = 1
    READ = 2
    EDIT = 3
    OWNER = 4  # rename, share, delete


_SHARED = {
    CalendarAccess.FREEBUSY: Level.FREEBUSY,
    CalendarAccess.READ: Level.READ,
    CalendarAccess.EDIT: Level.EDIT,
}


@dataclass(frozen=True)
class Caller:
    """A signed-in member, as calendar checks need them."""

    member_id: int
    enterprise_id: int
    is_admin: bool = False  # an administrator of their enterprise
    email: str = ""


async def caller(member_id: int, is_admin: bool = False) -> Caller:
    member = await Member.get(id=member_id).only("id", "enterprise_id", "email")
    return Caller(member.id, member.enterprise_id, is_admin, member.email)  # type: ignore[attr-defined]


async def levels(who: Caller, calendars: list[Calendar]) -> dict[int, Level]:
    """The caller's level on each calendar, with one query for the shares of all of them."""
    found = {c.id: _own_level(who, c) for c in calendars}
    ids = [c.id for c in calendars if c.enterprise_id == who.enterprise_id]  # type: ignore[attr-defined]
    if not ids:
        return found
    shares = await CalendarShare.filter(calendar_id__in=ids).values_list(
        "calendar_id", "member_id", "department_id", "access"
    )
    departments = await reach(who.member_id, who.enterprise_id) if shares else frozenset()
    for calendar_id, member_id, department_id, access in shares:
        if member_id == who.member_id or (
            department_id is not None and department_id in departments
        ):
            found[calendar_id] = max(found[calendar_id], _SHARED[CalendarAccess(access)])
    return found


async def level(who: Caller, calendar: Calendar) -> Level:
    return (await levels(who, [calendar]))[calendar.id]


def _own_level(who: Caller, calendar: Calendar) -> Level:
    if calendar.enterprise_id != who.enterprise_id:  # type: ignore[attr-defined]
        return Level.NONE
    if calendar.kind in (CalendarKind.COMPANY, CalendarKind.ROOM):
        return Level.OWNER if who.is_admin else Level.READ
    if calendar.owner_id == who.member_id:  # type: ignore[attr-defined]
        return Level.OWNER
    return Level.NONE
