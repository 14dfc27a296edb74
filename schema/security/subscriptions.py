"""The browser's wait for a QR login: status changes, then the session token once approved.

It needs no token (the browser has none yet): the websocket may connect with
``{"purpose": "qrLogin"}`` instead, and the ticket itself is the secret.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from mailcore.security import qrlogin
from schema.security.types import QrLoginStatus, QrStatus


@strawberry.type
class SecuritySubscription:
    @strawberry.subscription(
        description="PENDING/SCANNED while waiting; ends with APPROVED (token), DENIED or EXPIRED."
    )
    async def qr_login_status(self, info: Info, ticket: str) -> AsyncGenerator[QrLoginStatus, None]:
        runtime = info.context.runtime
        async for state in qrlogin.watch(runtime.bus, ticket, runtime.settings):
            yield QrLoginStatus(
                status=QrStatus[state.status.name],
                token=state.token,
                must_change_password=state.must_change_password,
            )
