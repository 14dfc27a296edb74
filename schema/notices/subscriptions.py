"""The live noticePosted push: one event per notice on the enterprise channel, filtered here.

At subscribe time the member's departments (with their ancestors) are loaded once; each
event then costs a set lookup per target department and no database query. The stream
depends only on the member, so it is declared shared by member (``schema.execution``): a
member's sockets subscribed the same way cost one execution per notice.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from mailcore.core import events
from mailcore.notices.audience import is_meant_for, reach
from schema.execution import SHARED_BY_MEMBER
from schema.mail.types import EmailAddress
from schema.notices.types import NoticePosted
from schema.permissions import IsAuthenticated


@strawberry.type
class NoticesSubscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="Notices posted to the whole company or to one of your departments.",
        metadata=SHARED_BY_MEMBER,
    )
    async def notice_posted(self, info: Info) -> AsyncGenerator[NoticePosted, None]:
        member = info.context.identity.member
        mine = await reach(member.id, member.enterprise_id)
        async with info.context.runtime.bus.subscribe_enterprise(member.enterprise_id) as stream:
            async for event in stream:
                if event["kind"] != events.NOTICE_POSTED:
                    continue
                if not is_meant_for(event.get("departments"), mine):
                    continue
                yield NoticePosted(
                    id=strawberry.ID(event["id"]),
                    title=event["title"],
                    author=EmailAddress(name=event["author_name"], address=event["author_address"]),
                    created_at=datetime.fromisoformat(event["created_at"]),
                )
