"""``/cgi-bin/mail/newcount`` (newmail apps): a member's unread Inbox count."""

from __future__ import annotations

from typing import Any

from api.openapi.framework import Call, endpoint
from api.openapi.lookup import member_of
from mailcore.core.models import AppKind
from mailcore.openapi.newmail import unread_count


@endpoint(AppKind.NEWMAIL)
async def newcount(call: Call) -> dict[str, Any]:
    member = await member_of(call, call.params.text("userid", required=True))
    return {"count": await unread_count(call.scope, member)}
