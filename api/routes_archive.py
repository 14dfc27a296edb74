"""Auditor downloads: an export of archived mail (mbox or zip of .eml) and attachments.

Authenticated like the other downloads (``Authorization: Bearer`` or a signed ``?ticket=``);
the auditor's scope is checked and every download is written to the operation log.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.tickets import downloader
from mailcore.archive import access
from mailcore.archive.auditors import AuditorView, auditor_view
from mailcore.archive.errors import PolicyError, PolicyErrorCode

_STATUS = {
    PolicyErrorCode.FORBIDDEN: 403,
    PolicyErrorCode.NOT_FOUND: 404,
    PolicyErrorCode.INVALID: 400,
    PolicyErrorCode.CONFLICT: 409,
}


async def _auditor(request: Request) -> AuditorView | JSONResponse:
    identity = await downloader(request)
    client = request.client.host if request.client else ""
    try:
        return await auditor_view(identity.member, client)
    except PolicyError as exc:
        return _error(exc)


def _error(exc: PolicyError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.message, "code": exc.code.value}, status_code=_STATUS[exc.code]
    )


def _disposition(kind: str, filename: str) -> str:
    return f"{kind}; filename*=UTF-8''{quote(filename)}"


async def export(request: Request) -> Response:
    """``GET /archive/export?format=mbox|zip&ids=1,2,3``"""
    view = await _auditor(request)
    if isinstance(view, JSONResponse):
        return view
    try:
        ids = [int(i) for i in request.query_params.get("ids", "").split(",") if i.strip()]
    except ValueError:
        return JSONResponse({"error": "ids are numbers", "code": "INVALID"}, status_code=400)
    fmt = request.query_params.get("format", "mbox")
    try:
        data, media, name = await access.export(request.app.state.runtime.blobs, view, ids, fmt)
    except PolicyError as exc:
        return _error(exc)
    return Response(
        data, media_type=media, headers={"Content-Disposition": _disposition("attachment", name)}
    )


async def attachment(request: Request) -> Response:
    view = await _auditor(request)
    if isinstance(view, JSONResponse):
        return view
    try:
        record_id = int(request.path_params["record"])
        index = int(request.path_params["index"])
        info, data = await access.archived_attachment(
            request.app.state.runtime.blobs, view, record_id, index
        )
    except ValueError:
        return JSONResponse({"error": "no such attachment", "code": "NOT_FOUND"}, status_code=404)
    except PolicyError as exc:
        return _error(exc)
    return Response(
        data,
        media_type=info.content_type,
        headers={
            "Content-Disposition": _disposition("attachment", info.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )


routes = [
    Route("/archive/export", export),
    Route("/archive/{record}/attachments/{index}", attachment),
]
