"""Plain HTTP routes: authenticated attachment and raw-message downloads (both
sandboxed: ``DOWNLOAD_CSP``, ``nosniff``; the raw message as a ``.eml`` attachment)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.headers import DOWNLOAD_CSP
from api.tickets import downloader
from mailcore.core.blobs import BlobNotFound
from mailcore.mail.mailbox import raw_key, read_attachment
from mailcore.store.errors import MailError

# The message row is there but its blob is not (yet) in the blob store: retry later.
UNAVAILABLE = {"error": "the message content is unavailable right now; try again later"}


async def _member_id(request: Request) -> int:
    return (await downloader(request)).member.id  # Bearer or ?ticket= (else 401)


async def attachment(request: Request) -> Response:
    member_id = await _member_id(request)
    try:
        index = int(request.path_params["index"])
        info, data = await read_attachment(
            request.app.state.runtime.blobs, member_id, request.path_params["entry"], index
        )
    except BlobNotFound:
        return JSONResponse(UNAVAILABLE, status_code=503, headers={"Retry-After": "60"})
    except (MailError, ValueError):
        return JSONResponse({"error": "no such attachment"}, status_code=404)
    disposition = "inline" if request.query_params.get("inline") else "attachment"
    return Response(
        data,
        media_type=info.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(info.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": DOWNLOAD_CSP,
        },
    )


async def raw(request: Request) -> Response:
    member_id = await _member_id(request)
    blobs = request.app.state.runtime.blobs
    try:
        key = await raw_key(member_id, request.path_params["entry"])
        size = await blobs.size(key)
    except BlobNotFound:
        return JSONResponse(UNAVAILABLE, status_code=503, headers={"Retry-After": "60"})
    except MailError:
        return JSONResponse({"error": "no such message"}, status_code=404)
    name = f"message-{request.path_params['entry']}.eml"
    return StreamingResponse(  # in chunks from the blob store, never whole in memory
        blobs.open_read(key),
        media_type="message/rfc822",
        headers={
            "Content-Length": str(size),
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": DOWNLOAD_CSP,
        },
    )
