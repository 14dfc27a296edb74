"""Request size limits for the GraphQL endpoint (a clear 413 before reading huge bodies)."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_JSON_BODY = 1024 * 1024
# tus uploads stream their bodies into the blob store under their own limits
# (api/routes_netdisk.py: Upload-Length, the largest upload, the quotas).
UNLIMITED = ("/uploads/",)


class BodyLimit:
    """Refuse bodies over the limit: JSON requests 1 MB, multipart uploads the mail size limit."""

    def __init__(self, app: ASGIApp, max_upload: int) -> None:
        self.app = app
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.max_upload if multipart else MAX_JSON_BODY
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(limit)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {
            "errors": [
                {"message": f"request body over {limit} bytes", "extensions": {"code": "TOO_LARGE"}}
            ]
        },
        status_code=413,
    )
