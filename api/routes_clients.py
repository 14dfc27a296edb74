"""Mail-client set-up routes: Thunderbird autoconfig, Outlook autodiscover and the signed-in
member's Apple .mobileconfig (docs/clients.md). The documents are built by
``mailcore/clients``; here only HTTP: size limits, statuses and content types."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.tickets import downloader
from mailcore.clients.autodiscover import MAX_REQUEST, error_xml
from mailcore.clients.errors import SetupError, SetupErrorCode
from mailcore.clients.mobileconfig import CONTENT_TYPE
from mailcore.clients.service import apple_profile, autoconfig_document, autodiscover_document

XML = "application/xml; charset=utf-8"
_STATUS = {
    SetupErrorCode.INVALID_ADDRESS: 400,
    SetupErrorCode.MALFORMED_REQUEST: 400,
    SetupErrorCode.FORBIDDEN_XML: 400,
    SetupErrorCode.TOO_LARGE: 413,
    SetupErrorCode.UNKNOWN_DOMAIN: 404,
    SetupErrorCode.UNSUPPORTED_SCHEMA: 404,
    SetupErrorCode.NOT_OFFERED: 404,
}
_NO_CACHE = {"Cache-Control": "no-cache"}


def _json_error(error: SetupError) -> Response:
    body = {"error": error.message, "code": error.code.value}
    return JSONResponse(body, status_code=_STATUS[error.code])


async def autoconfig(request: Request) -> Response:
    settings = request.app.state.runtime.settings
    try:
        document = await autoconfig_document(settings, request.query_params.get("emailaddress"))
    except SetupError as exc:
        return _json_error(exc)
    return Response(document, media_type=XML, headers=_NO_CACHE)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, or TOO_LARGE as soon as it passes ``limit`` bytes."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise SetupError(SetupErrorCode.TOO_LARGE, f"requests are at most {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise SetupError(SetupErrorCode.TOO_LARGE, f"requests are at most {limit} bytes")
    return bytes(body)


async def autodiscover(request: Request) -> Response:
    if request.method != "POST":
        error = SetupError(SetupErrorCode.MALFORMED_REQUEST, "POST an autodiscover request")
        return Response(error_xml(error), 405, media_type=XML, headers={"Allow": "POST"})
    settings = request.app.state.runtime.settings
    try:
        document = await autodiscover_document(settings, await _body(request, MAX_REQUEST))
    except SetupError as exc:
        return Response(error_xml(exc), _STATUS[exc.code], media_type=XML)
    return Response(document, media_type=XML, headers=_NO_CACHE)


async def mobileconfig(request: Request) -> Response:
    """The profile of the member signed in by a bearer header or a signed ``?ticket=``."""
    identity = await downloader(request)
    try:
        name, content = await apple_profile(request.app.state.runtime.settings, identity.member.id)
    except SetupError as exc:
        return _json_error(exc)
    return Response(
        content,
        media_type=CONTENT_TYPE,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


routes = [
    Route("/.well-known/autoconfig/mail/config-v1.1.xml", autoconfig),
    Route("/mail/config-v1.1.xml", autoconfig),  # the autoconfig.<domain> host form
    Route("/autodiscover/autodiscover.xml", autodiscover, methods=["GET", "POST"]),
    Route("/Autodiscover/Autodiscover.xml", autodiscover, methods=["GET", "POST"]),
    Route("/clients/apple.mobileconfig", mobileconfig),
]
