"""Subscriptions of the mail schema: new mail and mailbox changes, pushed from the event bus.

Payloads come from the event itself (no database query per subscriber), so one ingest
reaches many connected clients quickly. Both are declared shared (``schema.execution``):
newMail depends only on the member, mailboxChanged on the session (it skips the session's
own changes), so a member's sockets asking the same way cost one execution per event.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from mailcore.core import events
from schema.execution import SHARED_BY_MEMBER, SHARED_BY_SESSION
from schema.mail.types import EmailAddress, MailboxChange, NewMail
from schema.permissions import IsAuthenticated


@strawberry.type
class MailSubscription:
    @strawberry.subscription(permission_classes=[IsAuthenticated], metadata=SHARED_BY_MEMBER)
    async def new_mail(self, info: Info) -> AsyncGenerator[NewMail, None]:
        async with info.context.runtime.bus.subscribe(info.context.member_id) as stream:
            async for event in stream:
                if event["kind"] != events.NEW_MAIL:
                    continue
                yield NewMail(
                    id=strawberry.ID(event["id"]),
                    subject=event["subject"],
                    from_=EmailAddress(name=event["from_name"], address=event["from_address"]),
                    date=datetime.fromisoformat(event["date"]),
                    folder=event["folder"].upper(),
                )

    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="Flag, move and delete changes made by the member's other sessions.",
        metadata=SHARED_BY_SESSION,
    )
    async def mailbox_changed(self, info: Info) -> AsyncGenerator[MailboxChange, None]:
        own_session = info.context.session_id
        async with info.context.runtime.bus.subscribe(info.context.member_id) as stream:
            async for event in stream:
                if event["kind"] != events.MAILBOX_CHANGED or event.get("origin") == own_session:
                    continue
                yield MailboxChange(
                    change=event["change"],
                    ids=[strawberry.ID(i) for i in event.get("ids") or [event.get("id")]],
                    folder_id=event.get("folder"),
                )
