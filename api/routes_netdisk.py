"""Netdisk over HTTP (docs/netdisk.md): the tus 1.0 server at ``/uploads/`` (core, creation,
creation-with-upload, termination, expiration, checksum) and file downloads with ranges at
``/netdisk/files/{id}``. The protocol's logic is ``mailcore/netdisk/uploads.py``; here only
HTTP: who is asking (a session's ``Authorization: Bearer``, or HTTP Basic with the main or
an app password as for /dav/), headers, statuses.

Bodies are never read whole: a PATCH streams into the blob store part by part, a download
streams the parts out (``api/limits.py`` leaves ``/uploads/`` to these limits)."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC
from email.utils import format_datetime
from urllib.parse import quote

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from tortoise.exceptions import DoesNotExist

from api.graphql import bearer_token
from api.headers import DOWNLOAD_CSP
from mailcore.core.config import Settings
from mailcore.core.models import Member, NetdiskRole, NetdiskUpload
from mailcore.dav.auth import Unauthorized, sign_in
from mailcore.netdisk import access, content, events, nodes, uploads
from mailcore.netdisk.errors import NetdiskError, NetdiskErrorCode
from mailcore.org.sessions import identify

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
OFFSET_TYPE = "application/offset+octet-stream"
CHALLENGE = {"WWW-Authenticate": 'Basic realm="Qiyou", charset="UTF-8"'}
STATUS = {
    NetdiskErrorCode.NOT_FOUND: 404,
    NetdiskErrorCode.FORBIDDEN: 403,
    NetdiskErrorCode.BAD_NAME: 400,
    NetdiskErrorCode.NAME_TAKEN: 409,
    NetdiskErrorCode.NOT_A_FOLDER: 400,
    NetdiskErrorCode.NOT_A_FILE: 400,
    NetdiskErrorCode.BAD_MOVE: 400,
    NetdiskErrorCode.OVER_QUOTA: 413,
    NetdiskErrorCode.TOO_LARGE: 413,
    NetdiskErrorCode.OFFSET_MISMATCH: 409,
    NetdiskErrorCode.CHECKSUM_MISMATCH: 460,  # tus checksum extension
    NetdiskErrorCode.BAD_CHECKSUM: 400,
    NetdiskErrorCode.OVERLONG: 413,
    NetdiskErrorCode.EXPIRED: 410,
    NetdiskErrorCode.BAD_ROLE: 400,
    NetdiskErrorCode.TRASHED: 404,
    NetdiskErrorCode.NOT_TRASHED: 400,
}


def limits(settings: Settings) -> uploads.Limits:
    return uploads.Limits(
        max_size=settings.upload_max_size,
        part_size=settings.upload_part_size,
        expiry=settings.upload_expiry,
        member_quota=settings.netdisk_quota,
    )


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


async def _member(request: Request) -> Member:
    """The member of a Bearer session token or of HTTP Basic credentials; else 401."""
    token = bearer_token(request)
    if token:
        identity = await identify(token)
        if identity is None:
            raise _Refused(_text(401, "sign in first", CHALLENGE))
        return identity.member
    header = request.headers.get("authorization", "")
    if not header:
        raise _Refused(_text(401, "sign in first (Bearer session or HTTP Basic)", CHALLENGE))
    try:
        signed = await sign_in(
            header,
            request.client.host if request.client else "",
            request.headers.get("user-agent", ""),
            request.app.state.runtime.settings,
        )
    except Unauthorized as exc:
        raise _Refused(_text(401, exc.args[0], CHALLENGE)) from None
    return signed.member


def _tus(headers: dict[str, str] | None = None) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **(headers or {})}


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        message + "\n", status_code=status, headers=_tus(headers), media_type="text/plain"
    )


def _error(exc: NetdiskError) -> Response:
    return _text(STATUS[exc.code], exc.message, {"Qiyou-Error": exc.code.value})


def _expires(upload: NetdiskUpload) -> dict[str, str]:
    at = upload.expires_at
    at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    return {"Upload-Expires": format_datetime(at, usegmt=True)}


def _metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (a value may be absent)."""
    found: dict[str, str] = {}
    for pair in header.split(","):
        key, _, value = pair.strip().partition(" ")
        if not key:
            continue
        try:
            found[key] = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, ValueError):
            raise NetdiskError(
                NetdiskErrorCode.BAD_NAME, f"Upload-Metadata {key!r} is not base64 UTF-8"
            ) from None
    return found


def _number(request: Request, name: str) -> int:
    value = request.headers.get(name, "")
    if not value.isdigit() or len(value) > 19:
        raise _Refused(_text(400, f"{name} must be a byte count"))
    return int(value)


async def _announce(request: Request, member: Member, change: nodes.Change) -> None:
    await events.announce(request.app.state.runtime.bus, member.enterprise_id, change)  # type: ignore[attr-defined]


async def _append(request: Request, member: Member, upload: NetdiskUpload, offset: int) -> int:
    """Stream the body into the upload; when it is complete, make it a file."""
    header = request.headers.get("upload-checksum")
    checksum = uploads.parse_checksum(header) if header else None
    length = request.headers.get("content-length", "")
    runtime = request.app.state.runtime
    at = await uploads.receive(
        upload,
        offset,
        request.stream(),
        runtime.blobs,
        limits(runtime.settings),
        declared=int(length) if length.isdigit() else None,
        checksum=checksum,
    )
    if at == upload.length and upload.finished_at is None:
        _, change = await nodes.finish_upload(upload)
        await _announce(request, member, change)
    return at


async def options(request: Request) -> Response:
    settings = request.app.state.runtime.settings
    return Response(
        status_code=204,
        headers=_tus(
            {
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": EXTENSIONS,
                "Tus-Max-Size": str(settings.upload_max_size),
                "Tus-Checksum-Algorithm": ",".join(uploads.CHECKSUMS),
            }
        ),
    )


def _version_refused(request: Request) -> Response | None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        return _text(412, f"Tus-Resumable {TUS_VERSION} only", {"Tus-Version": TUS_VERSION})
    return None


async def create(request: Request) -> Response:
    refused = _version_refused(request)
    if refused is not None:
        return refused
    try:
        member = await _member(request)
        if "upload-defer-length" in request.headers:
            return _text(400, "Upload-Defer-Length is not supported: send Upload-Length")
        length = _number(request, "upload-length")
        settings = request.app.state.runtime.settings
        upload = await uploads.create(
            member, length, _metadata(request.headers.get("upload-metadata", "")), limits(settings)
        )
        headers = {"Location": f"{str(request.base_url).rstrip('/')}/uploads/{upload.id}"}
        if request.headers.get("content-type") == OFFSET_TYPE:  # creation-with-upload
            try:
                headers["Upload-Offset"] = str(await _append(request, member, upload, 0))
            except NetdiskError as exc:
                if exc.code is not NetdiskErrorCode.CHECKSUM_MISMATCH:
                    raise
                headers["Upload-Offset"] = "0"  # the session stands; the part was dropped
        elif length == 0:
            _, change = await nodes.finish_upload(upload)
            await _announce(request, member, change)
        return Response(status_code=201, headers=_tus({**headers, **_expires(upload)}))
    except _Refused as refusal:
        return refusal.response
    except NetdiskError as exc:
        return _error(exc)


async def upload(request: Request) -> Response:
    if request.method == "OPTIONS":
        return await options(request)
    refused = _version_refused(request)
    if refused is not None:
        return refused
    try:
        member = await _member(request)
        found = await uploads.get(member.id, request.path_params["upload_id"])
        if found.offset == found.length and found.finished_at is None:
            # Complete, but the server stopped before it became a file: finish it now.
            _, change = await nodes.finish_upload(found)
            await _announce(request, member, change)
        if request.method == "HEAD":
            return Response(
                status_code=200,
                headers=_tus(
                    {
                        "Upload-Offset": str(found.offset),
                        "Upload-Length": str(found.length),
                        **_expires(found),
                    }
                ),
            )
        if request.method == "DELETE":
            await uploads.terminate(found)
            return Response(status_code=204, headers=_tus())
        if request.headers.get("content-type") != OFFSET_TYPE:
            return _text(415, f"PATCH bodies are {OFFSET_TYPE}")
        offset = _number(request, "upload-offset")
        try:
            at = await _append(request, member, found, offset)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody reads it; what came is kept
        return Response(
            status_code=204, headers=_tus({"Upload-Offset": str(at), **_expires(found)})
        )
    except _Refused as refusal:
        return refusal.response
    except NetdiskError as exc:
        return _error(exc)


def _range(header: str, size: int) -> tuple[int, int] | None | bool:
    """A single ``bytes=`` range as (start, end exclusive); None: no usable range header
    (send it all); False: unsatisfiable."""
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if not first:
            count = int(last)
            if count <= 0:
                return False
            return max(0, size - count), size
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    if start >= size or end <= start:
        return False
    return start, min(end, size)


async def download(request: Request) -> Response:
    """A file's current (or ``?version=n``) content; one byte range with ``Range``
    (206; ``If-Range`` with the ETag), streamed in constant memory."""
    try:
        member = await _member(request)
        who = await access.principals(member)
        node_id = request.path_params["node_id"]
        if node_id > 2**63 - 1:  # no row has it (and PostgreSQL would refuse the number)
            raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such file")
        version_param = request.query_params.get("version", "")
        _, node = await nodes.node_for(who, node_id, NetdiskRole.VIEWER)
        if node.version == 0:
            raise NetdiskError(NetdiskErrorCode.NOT_A_FILE, "not a file")
        version, parts = await nodes.current_parts(
            node,
            int(version_param) if version_param.isdecimal() and len(version_param) < 10 else None,
        )
    except _Refused as refusal:
        return refusal.response
    except NetdiskError as exc:
        return _error(exc)
    except DoesNotExist:  # ?version= of a version not kept
        return _text(404, "no such version")
    size = version.size
    etag = f'"{node.id}-{version.number}-{size}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(node.name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_CSP,  # a type the uploader chose: sandboxed
        "Cache-Control": "private, no-cache",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    start, end, status = 0, size, 200
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if wanted and (if_range is None or if_range == etag):
        chosen = _range(wanted, size)
        if chosen is False:
            return Response(
                status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"}
            )
        if chosen:
            start, end = chosen  # type: ignore[misc]
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    media = node.content_type or "application/octet-stream"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media)
    blobs = request.app.state.runtime.blobs
    return StreamingResponse(
        content.read_range(blobs, parts, start, end),
        status_code=status,
        headers=headers,
        media_type=media,
    )


METHODS = ["HEAD", "PATCH", "DELETE", "OPTIONS"]

routes = [
    Route("/uploads/", create, methods=["POST"]),
    Route("/uploads/", options, methods=["OPTIONS"]),
    Route("/uploads/{upload_id}", upload, methods=METHODS),
    Route("/netdisk/files/{node_id:int}", download, methods=["GET", "HEAD"]),
]
