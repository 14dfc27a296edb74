"""Plain HTTP routes: health, authenticated attachment and raw-message downloads (both
sandboxed: ``DOWNLOAD_CSP``, ``nosniff``; the raw message as a ``.eml`` attachment)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.headers import DOWNLOAD_CSP
from api.tickets import downloader
from mailcore.mail.mailbox import raw_message, read_attachment
from mailcore.store.errors import MailError


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _member_id(request: Request) -> int:
    return (await downloader(request)).member.id  # Bearer or ?ticket= (else 401)


async def attachment(request: Request) -> Response:
    member_id = await _member_id(request)
    if member_id is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    try:
        index = int(request.path_params["index"])
        info, data = await read_attachment(
            request.app.state.runtime.blobs, member_id, request.path_params["entry"], index
        )
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
    if member_id is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    try:
        data = await raw_message(
            request.app.state.runtime.blobs, member_id, request.path_params["entry"]
        )
    except MailError:
        return JSONResponse({"error": "no such message"}, status_code=404)
    name = f"message-{request.path_params['entry']}.eml"
    return Response(
        data,
        media_type="message/rfc822",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": DOWNLOAD_CSP,
        },
    )
