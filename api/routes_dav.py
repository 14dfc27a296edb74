"""CalDAV and CardDAV over HTTP (docs/calendar.md, "CalDAV and CardDAV"): RFC 6764
discovery at ``/.well-known/caldav`` and ``/.well-known/carddav``, and the DAV tree under
``/dav/``. The protocol is ``mailcore/dav``; here only HTTP: credentials, the body limit,
statuses and headers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailcore.dav import handlers, objects, paths, xml
from mailcore.dav.auth import Unauthorized, sign_in
from mailcore.dav.errors import MAX_SIZE, DavError

METHODS = [
    "OPTIONS", "GET", "HEAD", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR",
    "POST",  # RFC 6638: free/busy requests to the scheduling outbox
]  # fmt: skip
CHALLENGE = {"WWW-Authenticate": 'Basic realm="Qiyou", charset="UTF-8"'}


async def well_known(request: Request) -> Response:
    return RedirectResponse(paths.ROOT, status_code=301)


async def dav(request: Request) -> Response:
    runtime = request.app.state.runtime
    ip = request.client.host if request.client else ""
    try:
        signed = await sign_in(
            request.headers.get("authorization", ""),
            ip,
            request.headers.get("user-agent", ""),
            runtime.settings,
        )
    except Unauthorized as exc:
        return Response(exc.args[0], status_code=401, headers=CHALLENGE, media_type="text/plain")
    context = handlers.Context(signed.member, signed.caller, runtime.settings.time_zone)
    path = request.scope.get("raw_path", b"").decode("latin-1").partition("?")[0] or "/"
    try:
        body = await _body(request, request.method == "PUT")
        reply = await handlers.handle(context, request.method, path, request.headers, body)
    except DavError as exc:
        if exc.condition is None:
            return Response(exc.message, status_code=exc.status, media_type="text/plain")
        return Response(
            xml.error(exc.condition, exc.message), status_code=exc.status, media_type=handlers.XML
        )
    return Response(reply.body, status_code=reply.status, headers=reply.headers)


async def _body(request: Request, is_put: bool) -> bytes:
    """The body, refused once it passes the limit (an event's size, or an XML request's)."""
    limit = objects.MAX_OBJECT if is_put else xml.MAX_BODY
    too_large = (
        DavError(403, f"an event is at most {limit} bytes", MAX_SIZE)
        if is_put
        else DavError(413, f"requests are at most {limit} bytes")
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


routes = [
    Route("/.well-known/caldav", well_known, methods=METHODS),
    Route("/.well-known/carddav", well_known, methods=METHODS),
    Route("/dav", dav, methods=METHODS),
    Route("/dav/{rest:path}", dav, methods=METHODS),
]
