"""The live calendarReminder push: a member's reminders as they fall due (reminders.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from mailcore.core import events
from schema.calendar.types import CalendarReminder
from schema.execution import SHARED_BY_MEMBER
from schema.permissions import IsAuthenticated


@strawberry.type
class CalendarSubscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="Reminders of your events with the PUSH channel, as they fall due.",
        metadata=SHARED_BY_MEMBER,
    )
    async def calendar_reminder(self, info: Info) -> AsyncGenerator[CalendarReminder, None]:
        async with info.context.runtime.bus.subscribe(info.context.member_id) as stream:
            async for event in stream:
                if event["kind"] != events.CALENDAR_REMINDER:
                    continue
                yield CalendarReminder(
                    event_id=strawberry.ID(str(event["event"])),
                    summary=event["summary"],
                    location=event["location"],
                    start=datetime.fromisoformat(event["start"]),
                    end=datetime.fromisoformat(event["end"]),
                    minutes_before=event["minutes"],
                )
