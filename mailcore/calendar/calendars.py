"""Calendars: a member's list (their own, then those they chose to show), creating and
changing them, sharing with members and departments, and company calendars."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mailcore.calendar.access import Caller, Level, level, levels
from mailcore.calendar.errors import CalendarError, CalendarErrorCode, invalid, not_found
from mailcore.calendar.ical import zone
from mailcore.core.models import (
    Calendar,
    CalendarAccess,
    CalendarKind,
    CalendarShare,
    CalendarSubscription,
    Department,
    Member,
)
from mailcore.notices.audience import reach

DEFAULT_NAME = "日历"
MAX_CALENDARS = 100  # a member's own
MAX_SHARES = 500
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class Listed:
    """A calendar as one member sees it."""

    calendar: Calendar
    level: Level
    color: str  # the member's colour for it
    subscribed: bool  # shown in their list
    owner: tuple[str, str] | None = None  # (name, address) of a personal calendar's owner


@dataclass
class CalendarChanges:
    name: str | None = None
    color: str | None = None
    description: str | None = None
    time_zone: str | None = None


async def default_calendar(who: Caller, time_zone: str) -> Calendar:
    """The member's default calendar, made on first use (one per member: unique column)."""
    found = await Calendar.filter(default_of=who.member_id).first()
    if found is not None:
        return found
    try:
        return await Calendar.create(
            enterprise_id=who.enterprise_id,
            owner_id=who.member_id,
            name=DEFAULT_NAME,
            time_zone=time_zone,
            default_of=who.member_id,
        )
    except IntegrityError:  # made by a concurrent request
        return await Calendar.get(default_of=who.member_id)


async def my_calendars(who: Caller, time_zone: str) -> list[Listed]:
    await default_calendar(who, time_zone)
    own = await Calendar.filter(owner_id=who.member_id).order_by("id")
    subscriptions = await CalendarSubscription.filter(member_id=who.member_id).select_related(
        "calendar"
    )
    others = [s.calendar for s in subscriptions]
    found = await levels(who, own + others)
    listed = [Listed(c, found[c.id], c.color, True) for c in own]
    for subscription in subscriptions:
        calendar = subscription.calendar
        if found[calendar.id] >= Level.FREEBUSY:  # a share taken back hides it
            listed.append(
                Listed(calendar, found[calendar.id], subscription.color or calendar.color, True)
            )
    return await with_owners(listed)


async def available(who: Caller) -> list[Listed]:
    """Calendars the member may show but does not own: company calendars and those shared
    with them or their departments (subscribed or not)."""
    departments = await reach(who.member_id, who.enterprise_id)
    shared_ids = await CalendarShare.filter(
        Q(member_id=who.member_id) | Q(department_id__in=list(departments) or [0]),
        calendar__enterprise_id=who.enterprise_id,
    ).values_list("calendar_id", flat=True)
    shared = await Calendar.filter(id__in=list(set(shared_ids)) or [0]).exclude(
        owner_id=who.member_id
    )
    company = await Calendar.filter(enterprise_id=who.enterprise_id, kind=CalendarKind.COMPANY)
    candidates = [*shared, *company]
    unique = {c.id: c for c in candidates}
    found = await levels(who, list(unique.values()))
    subscribed = set(
        await CalendarSubscription.filter(member_id=who.member_id).values_list(
            "calendar_id", flat=True
        )
    )
    return await with_owners(
        [
            Listed(c, found[c.id], c.color, c.id in subscribed)
            for c in sorted(unique.values(), key=lambda c: c.id)
            if found[c.id] >= Level.FREEBUSY
        ]
    )


async def with_owners(listed: list[Listed]) -> list[Listed]:
    """Each personal calendar's owner's name and address, in one query."""
    ids = {item.calendar.owner_id for item in listed} - {None}  # type: ignore[attr-defined]
    if not ids:
        return listed
    owners = {
        pk: (name, email)
        for pk, name, email in await Member.filter(id__in=list(ids)).values_list(
            "id", "name", "email"
        )
    }
    for item in listed:
        item.owner = owners.get(item.calendar.owner_id)  # type: ignore[attr-defined]
    return listed


async def visible(who: Caller, calendar_id: int | str, at_least: Level) -> tuple[Calendar, Level]:
    """The calendar if the caller has ``at_least`` on it; NOT_FOUND when they cannot see it
    at all, FORBIDDEN when they can but not enough."""
    calendar = await Calendar.filter(id=parse_id(calendar_id)).first()
    if calendar is None:
        raise not_found()
    found = await level(who, calendar)
    if found is Level.NONE:
        raise not_found()
    if found < at_least:
        raise CalendarError(CalendarErrorCode.FORBIDDEN, "you may not change this calendar", "id")
    return calendar, found


async def create(
    who: Caller, name: str, color: str, description: str, time_zone: str, company: bool = False
) -> Calendar:
    if company and not who.is_admin:
        raise CalendarError(
            CalendarErrorCode.FORBIDDEN, "company calendars are made by administrators", "company"
        )
    changes = _checked(CalendarChanges(name, color, description, time_zone))
    if not company and await Calendar.filter(owner_id=who.member_id).count() >= MAX_CALENDARS:
        raise invalid(f"at most {MAX_CALENDARS} calendars each", "name")
    return await Calendar.create(
        enterprise_id=who.enterprise_id,
        owner_id=None if company else who.member_id,
        kind=CalendarKind.COMPANY if company else CalendarKind.PERSONAL,
        name=changes.name,
        color=changes.color or "#1677ff",
        description=changes.description or "",
        time_zone=changes.time_zone,
    )


async def update(who: Caller, calendar_id: int | str, changes: CalendarChanges) -> Calendar:
    calendar, _ = await visible(who, calendar_id, Level.OWNER)
    changes = _checked(changes)
    for name in ("name", "color", "description", "time_zone"):
        value = getattr(changes, name)
        if value is not None:
            setattr(calendar, name, value)
    await calendar.save()
    return calendar


async def delete(who: Caller, calendar_id: int | str) -> None:
    calendar, _ = await visible(who, calendar_id, Level.OWNER)
    if calendar.default_of is not None:
        raise invalid("the default calendar cannot be deleted", "id")
    if calendar.kind == CalendarKind.ROOM:
        raise invalid("a room's calendar goes with the room (deleteMeetingRoom)", "id")
    await calendar.delete()  # its events, shares and subscriptions go with it


async def set_color(who: Caller, calendar_id: int | str, color: str) -> Listed:
    """The member's own colour for a calendar they show (the owner's is the calendar's)."""
    calendar, found = await visible(who, calendar_id, Level.FREEBUSY)
    if not _COLOR.match(color):
        raise invalid("a colour is #rrggbb", "color")
    if found is Level.OWNER and calendar.kind == CalendarKind.PERSONAL:
        calendar.color = color
        await calendar.save(update_fields=["color"])
        return Listed(calendar, found, color, True)
    await subscribe(who, calendar.id)
    await CalendarSubscription.filter(member_id=who.member_id, calendar_id=calendar.id).update(
        color=color
    )
    return Listed(calendar, found, color, True)


async def subscribe(who: Caller, calendar_id: int | str) -> Listed:
    calendar, found = await visible(who, calendar_id, Level.FREEBUSY)
    if calendar.owner_id == who.member_id:  # type: ignore[attr-defined]
        return Listed(calendar, found, calendar.color, True)
    try:
        await CalendarSubscription.create(member_id=who.member_id, calendar_id=calendar.id)
    except IntegrityError:
        pass  # already shown
    return Listed(calendar, found, calendar.color, True)


async def unsubscribe(who: Caller, calendar_id: int | str) -> None:
    await CalendarSubscription.filter(
        member_id=who.member_id, calendar_id=parse_id(calendar_id)
    ).delete()


async def shares(who: Caller, calendar_id: int | str) -> list[CalendarShare]:
    calendar, _ = await visible(who, calendar_id, Level.OWNER)
    return list(
        await CalendarShare.filter(calendar_id=calendar.id)
        .select_related("member", "department")
        .order_by("id")
    )


async def share(
    who: Caller,
    calendar_id: int | str,
    access: CalendarAccess,
    member_addresses: list[str],
    department_ids: list[int | str],
) -> list[CalendarShare]:
    """Share with members (by address) and departments; an existing share of the same
    member or department takes the new access. Members shared with directly see the
    calendar in their list at once."""
    calendar, _ = await visible(who, calendar_id, Level.OWNER)
    if not member_addresses and not department_ids:
        raise invalid("name members or departments", "members")
    if len(member_addresses) + len(department_ids) > MAX_SHARES:
        raise invalid(f"at most {MAX_SHARES} at once", "members")
    addresses = [a.strip().lower() for a in member_addresses]
    members = await Member.filter(
        email__in=addresses, enterprise_id=who.enterprise_id, deleted_at=None
    ).values_list("email", "id")
    by_address = dict(members)
    missing = [a for a in addresses if a not in by_address]
    if missing:
        raise invalid(f"not a member of your company: {missing[0]}", "members")
    wanted_departments = {parse_id(d) for d in department_ids}
    departments = set(
        await Department.filter(
            id__in=list(wanted_departments), enterprise_id=who.enterprise_id
        ).values_list("id", flat=True)
    )
    if departments != wanted_departments:
        raise invalid("no such department", "departments")
    member_ids = [m for m in by_address.values() if m != calendar.owner_id]  # type: ignore[attr-defined]
    async with in_transaction():
        await CalendarShare.filter(
            calendar_id=calendar.id, member_id__in=member_ids or [0]
        ).delete()
        await CalendarShare.filter(
            calendar_id=calendar.id, department_id__in=list(departments) or [0]
        ).delete()
        await CalendarShare.bulk_create(
            [CalendarShare(calendar_id=calendar.id, member_id=m, access=access) for m in member_ids]
            + [
                CalendarShare(calendar_id=calendar.id, department_id=d, access=access)
                for d in sorted(departments)
            ]
        )
        known = set(
            await CalendarSubscription.filter(
                calendar_id=calendar.id, member_id__in=member_ids or [0]
            ).values_list("member_id", flat=True)
        )
        await CalendarSubscription.bulk_create(
            [
                CalendarSubscription(calendar_id=calendar.id, member_id=m)
                for m in member_ids
                if m not in known
            ]
        )
    return await shares(who, calendar.id)


async def unshare(who: Caller, share_id: int | str) -> None:
    found = await CalendarShare.filter(id=parse_id(share_id)).first()
    if found is None:
        raise not_found("share")
    await visible(who, found.calendar_id, Level.OWNER)  # type: ignore[attr-defined]
    await found.delete()


def _checked(changes: CalendarChanges) -> CalendarChanges:
    if changes.name is not None:
        changes.name = changes.name.strip()
        if not changes.name or len(changes.name) > 200:
            raise invalid("a calendar's name has 1 to 200 characters", "name")
    if changes.color is not None and changes.color and not _COLOR.match(changes.color):
        raise invalid("a colour is #rrggbb", "color")
    if changes.description is not None and len(changes.description) > 5000:
        raise invalid("a description has at most 5000 characters", "description")
    if changes.time_zone is not None:
        zone(changes.time_zone)
    return changes


def parse_id(value: int | str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 < number < 2**31 else -1
