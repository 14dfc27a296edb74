"""Free/busy of colleagues for the scheduling view: when each member of the caller's
enterprise is busy in a range, from every calendar they own, with nothing about what.

Everyone in a company may see when a colleague is busy (as in Exmail and Exchange); an event
marked free (TRANSP:TRANSPARENT) or one the member declined does not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.expressions import Q

from mailcore.calendar import ical
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
    owned: dict[int, int] = dict(
        await Calendar.filter(owner_id__in=list(members.values()) or [0]).values_list(
            "id", "owner_id"
        )
    )
    events = await CalendarEvent.filter(
        Q(until_at=None) | Q(until_at__gt=start),
        calendar_id__in=list(owned) or [0],
        start_at__lt=end,
    )
    periods: dict[int, list[tuple[datetime, datetime]]] = {m: [] for m in members.values()}
    for event in events:
        member_id = owned[event.calendar_id]  # type: ignore[attr-defined]
        data = ical.read(event.ical)
        if not ical.blocks_time(data, addresses_of[member_id]):
            continue
        for occurrence in ical.occurrences(data, start, end, 1_000):
            periods[member_id].append(
                (
                    max(occurrence.start.astimezone(UTC), start),
                    min(occurrence.end.astimezone(UTC), end),
                )
            )
    return [
        Busy(a, a in members, _merged(periods[members[a]]) if a in members else []) for a in wanted
    ]


def _merged(periods: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in sorted(periods):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged
