"""Downloads of event attachments (docs/calendar.md, "Attachments"):
``/calendar/attachments/<id>/<name>``, the URI an event's ATTACH names, and
``/calendar/attachments/<id>``. The web app and the mini-program follow a signed link
(``?ticket=``) or send a Bearer token; CalDAV clients send the member's Basic credentials,
checked as every DAV request is."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from api.headers import DOWNLOAD_CSP
from api.tickets import downloader
from mailcore.calendar import attachments
from mailcore.calendar.access import Caller, caller
from mailcore.calendar.errors import CalendarError
from mailcore.core.blobs import BlobNotFound
from mailcore.dav.auth import Unauthorized, sign_in

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Qiyou", charset="UTF-8"'}


async def _who(request: Request) -> Caller | Response:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return await caller((await downloader(request)).member.id)  # Bearer or ?ticket=
    runtime = request.app.state.runtime
    try:
        signed = await sign_in(
            header,
            request.client.host if request.client else "",
            request.headers.get("user-agent", ""),
            runtime.settings,
        )
    except Unauthorized as exc:
        return Response(exc.args[0], status_code=401, headers=CHALLENGE, media_type="text/plain")
    return signed.caller


async def download(request: Request) -> Response:
    who = await _who(request)
    if isinstance(who, Response):
        return who
    try:
        row = await attachments.readable(who, request.path_params["id"])
    except CalendarError:
        return JSONResponse({"error": "no such attachment"}, status_code=404)
    blobs = request.app.state.runtime.blobs
    try:
        size = await blobs.size(row.sha256)
    except BlobNotFound:
        return JSONResponse(
            {"error": "the file is unavailable right now; try again later"},
            status_code=503,
            headers={"Retry-After": "60"},
        )
    disposition = "inline" if request.query_params.get("inline") else "attachment"
    return StreamingResponse(  # in chunks from the blob store
        blobs.open_read(row.sha256),
        media_type=row.content_type,
        headers={
            "Content-Length": str(size),
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": DOWNLOAD_CSP,
        },
    )


routes = [
    # the web app's signed links name the file by its id only (a ticket signs the path)
    Route("/calendar/attachments/{id}", download, methods=["GET", "HEAD"]),
    Route("/calendar/attachments/{id}/{name}", download, methods=["GET", "HEAD"]),  # ATTACH
]
