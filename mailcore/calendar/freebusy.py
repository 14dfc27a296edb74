"""Free/busy of colleagues for the scheduling view: when each member of the caller's
enterprise is busy in a range, from every calendar they own, with nothing about what.

Everyone in a company may see when a colleague is busy (as in Exmail and Exchange), and when
a meeting room is booked; an event marked free (TRANSP:TRANSPARENT) or one the member (or
room) declined does not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.expressions import Q

from mailcore.calendar import expanded, ical, rooms
from mailcore.calendar.access import Caller
from mailcore.calendar.errors import invalid
from mailcore.calendar.events import MAX_RANGE
from mailcore.core.models import Calendar, CalendarEvent, Member

MAX_MEMBERS = 100


@dataclass
class Busy:
    address: str
    known: bool  # a member of the caller's enterprise
    periods: list[tuple[datetime, datetime]] = field(default_factory=list)  # merged, UTC


async def free_busy(
    who: Caller, addresses: list[str], start: datetime, end: datetime
) -> list[Busy]:
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or not ical.in_years(value):
            raise invalid("times need a UTC offset and a year from 1970 to 2199", name)
    if end <= start or end - start > MAX_RANGE:
        raise invalid(
            f"a range ends after it starts and spans at most {MAX_RANGE.days} days", "end"
        )
    if len(addresses) > MAX_MEMBERS:
        raise invalid(f"at most {MAX_MEMBERS} members at once", "addresses")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    wanted = [a.strip().lower() for a in addresses]
    members = dict(
        await Member.filter(
            email__in=wanted, enterprise_id=who.enterprise_id, deleted_at=None
        ).values_list("email", "id")
    )
    addresses_of = {m: a for a, m in members.items()}
    # whose each calendar is: a member's own calendars, a room's bookings
    owned: dict[int, str] = {
        calendar_id: addresses_of[member_id]
        for calendar_id, member_id in await Calendar.filter(
            owner_id__in=list(members.values()) or [0]
        ).values_list("id", "owner_id")
    }
    found = await rooms.named(who.enterprise_id, wanted)
    owned.update({room.calendar_id: address for address, room in found.items()})  # type: ignore[attr-defined]
    rows = await CalendarEvent.filter(
        Q(until_at=None) | Q(until_at__gt=start),
        calendar_id__in=list(owned) or [0],
        start_at__lt=end,
    ).values_list("id", "etag", "start_at", "until_at", "calendar_id")
    periods: dict[str, list[tuple[datetime, datetime]]] = {a: [] for a in owned.values()}
    whose = {row[0]: owned[row[4]] for row in rows}
    for event in await expanded.of_rows([row[:4] for row in rows]):
        address = whose[event.event_id]
        if not expanded.blocks(event, address):
            continue
        periods[address].extend(
            (max(begin, start), min(finish, end))
            for begin, finish in expanded.busy_spans(event, start, end, 1_000)
        )
    known = set(members) | set(found)
    return [Busy(a, a in known, _merged(periods.get(a, []))) for a in wanted]


def _merged(periods: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in sorted(periods):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged
