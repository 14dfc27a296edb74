"""What ``/cgi-bin/…`` answers for a path no endpoint has, or a method no endpoint takes.

Exmail's shape, HTTP 200 like every other answer there (published Exmail clients read the
body only when the status is 2xx): errcode 48001 for an unknown path, 43002 for a method
other than GET or POST (every endpoint takes POST). Counted by the per-IP rate limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from starlette.requests import Request
from starlette.responses import Response

from api.openapi.errcodes import ApiError, Errcode
from api.openapi.framework import guarded

MAX_SHOWN = 80


def handler(
    known: Collection[str], methods: Collection[str]
) -> Callable[[Request], Awaitable[Response]]:
    allowed = ", ".join(methods)

    async def missing(request: Request) -> Response:
        path = request.path_params.get("path", "")

        async def work() -> Response:
            if path in known:
                raise ApiError(
                    Errcode.METHOD_NOT_ALLOWED,
                    f"method {request.method[:MAX_SHOWN]} not allowed: use {allowed}",
                )
            raise ApiError(Errcode.API_NOT_FOUND, f"api not found: /cgi-bin/{path[:MAX_SHOWN]}")

        response = await guarded(request, work)
        if path in known:
            response.headers["Allow"] = allowed
        return response

    return missing
