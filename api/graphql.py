"""The GraphQL endpoint: bearer tokens over HTTP, ``{"token": ...}`` in connection_init.

Websockets speak graphql-transport-ws only (``SessionSocket``): a signed-in socket is
registered in ``api.live_sockets`` and closed (4401) when its session is revoked on any node;
it also re-checks its session before each new operation (at most once a second), and the
sweeper of ``api.live_sockets`` re-checks all open sockets' sessions once a second.
A subscription whose fields are declared shared (``schema.execution.sharing``) joins the
member's (or session's) group in ``api.shared_streams`` instead of running on its own.
"""

from __future__ import annotations

import time
from contextlib import suppress
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)

from api import live_sockets, shared_streams
from mailcore.openapi.tokens import identify_app, is_app_token
from mailcore.org.sessions import Identity, identify, live_identity
from schema.context import Context
from schema.execution import MEMBER, sharing

QR_LOGIN = "qrLogin"  # connection purpose of an anonymous websocket (see qrLoginStatus)
REVOKED = 4401  # close code of a socket whose session has ended
RECHECK_SECONDS = 1.0  # a socket's session is looked up again when older than this


def bearer_token(request: Request | WebSocket) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class SessionSocket(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws for one connection, bound to the session it signed in with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.revoked = False
        self._checked_at = 0.0
        self._shared: dict[str, shared_streams.SharedStream] = {}  # operation id -> its group

    @property
    def member_id(self) -> int:
        assert self.context.identity is not None, "registered once signed in"
        return self.context.identity.member.id

    @property
    def session_id(self) -> int:
        assert self.context.identity is not None, "registered once signed in"
        return self.context.identity.session_id

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.context.identity is not None:
            self._checked_at = time.monotonic()
            live_sockets.add(self)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not await self._session_valid():
            await self.revoke("the session has ended")
            return
        if not self._join_shared(message):
            await super().handle_subscribe(message)

    def _join_shared(self, message: SubscribeMessage) -> bool:
        """Join the group of a shared subscription (``api.shared_streams``); False when it
        is not one, or when strawberry must answer (not acknowledged, a taken id, the limit)."""
        identity, payload = self.context.identity, message.get("payload")
        if identity is None or not self.connection_acknowledged or not isinstance(payload, dict):
            return False
        limit = self.max_subscriptions_per_connection
        full = limit is not None and len(self.operations) >= limit
        if full or message["id"] in self.operations:
            return False
        query, name = payload.get("query"), payload.get("operationName")
        if not isinstance(query, str) or not isinstance(name, str | None):
            return False
        scope = sharing(self.schema, query, name)
        owner = identity.member.id if scope == MEMBER else identity.session_id
        group = shared_streams.key(scope, owner, payload) if scope else None
        if group is None:
            return False
        operation = Operation(self, message["id"], query, payload.get("variables"), name)
        self.operations[operation.id] = operation  # no task: the group runs it
        self._shared[operation.id] = shared_streams.join(
            group, self, operation, self.schema, lambda: _renewed(self.context, identity)
        )
        return True

    async def send_text(self, text: str) -> bool:
        """Write one encoded frame (a shared stream's); False when the socket is gone."""
        if self.revoked:
            return False
        socket: WebSocket = self.context.response
        try:
            await socket.send_text(text)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return False
        return True

    def leave_shared(self, operation_id: str) -> None:
        """Forget an operation its shared stream no longer serves."""
        self._shared.pop(operation_id, None)
        self.operations.pop(operation_id, None)

    def forget_id(self, id: str) -> None:  # noqa: A002 - strawberry's name
        self.leave_shared(id)

    async def cleanup_operation(self, operation_id: str) -> None:
        stream = self._shared.pop(operation_id, None)
        if stream is None:
            await super().cleanup_operation(operation_id)
            return
        self.operations.pop(operation_id, None)
        stream.discard(self, operation_id)

    async def send_message(self, message: Message) -> None:
        # No query per push (a mail to 1,000 sockets would make 1,000): the sweeper of
        # ``api.live_sockets`` re-checks every open socket's session once a second.
        if self.revoked:
            return
        await super().send_message(message)

    async def shutdown(self) -> None:
        if self.context.identity is not None:
            live_sockets.discard(self)
        await super().shutdown()

    async def revoke(self, reason: str) -> None:
        """Stop every operation and close the socket with code 4401."""
        if self.revoked:
            return
        self.revoked = True
        live_sockets.discard(self)
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        socket: WebSocket = self.context.response
        if socket.application_state is WebSocketState.CONNECTED:
            with suppress(RuntimeError):  # the client closed it meanwhile
                await self.websocket.close(code=REVOKED, reason=reason)

    async def _session_valid(self) -> bool:
        """Whether the socket's session still holds (looked up at most once a second); a
        fresh lookup also gives later operations a fresh context (member, admin rights)."""
        identity = self.context.identity
        if self.revoked:
            return False
        if identity is None or time.monotonic() - self._checked_at < RECHECK_SECONDS:
            return True
        fresh = await live_identity(identity.session_id)
        if fresh is None:
            return False
        self._checked_at = time.monotonic()
        self.context = _renewed(self.context, fresh)
        return True


def _renewed(context: Context, identity: Identity) -> Context:
    """A new context for the socket's next operations: the same connection, a fresh identity,
    empty per-request caches."""
    return Context(
        request=context.request,
        response=context.response,
        runtime=context.runtime,
        identity=identity,
        connection_params=context.connection_params,
        app=context.app,
    )


class QiyouGraphQL(GraphQL):
    graphql_transport_ws_handler_class = SessionSocket

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The legacy graphql-ws protocol is not offered: its sockets would not be re-checked.
        kwargs.setdefault("subscription_protocols", (GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        super().__init__(*args, **kwargs)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        runtime = request.app.state.runtime
        identity = app = None
        if isinstance(request, Request):
            token = bearer_token(request)
            if is_app_token(token):
                app = await identify_app(token)
            else:
                identity = await identify(token)
        return Context(
            request=request, response=response, runtime=runtime, identity=identity, app=app
        )

    async def on_ws_connect(self, context: Context) -> None:
        params = context.connection_params or {}
        token = params.get("token") if isinstance(params, dict) else None
        identity = await identify(token) if isinstance(token, str) else None
        if identity is None and isinstance(params, dict) and params.get("purpose") == QR_LOGIN:
            return  # a browser waiting for a QR login has no token yet (qrLoginStatus only)
        if identity is None:
            raise ConnectionRejectionError({"message": "a valid token is needed"})
        context.identity = identity
