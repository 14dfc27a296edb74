"""The GraphQL endpoint: bearer tokens over HTTP, ``{"token": ...}`` in connection_init."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from mailcore.openapi.tokens import identify_app, is_app_token
from mailcore.org.sessions import identify
from schema.context import Context

QR_LOGIN = "qrLogin"  # connection purpose of an anonymous websocket (see qrLoginStatus)


def bearer_token(request: Request | WebSocket) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class QiyouGraphQL(GraphQL):
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
