"""tus upload sessions (docs/netdisk.md), without HTTP: create, receive a body, status,
terminate, and the cleanup of abandoned ones.

The body of a PATCH is cut into parts of ``part_size`` bytes, each stored as one blob and
recorded (with the new offset, in one transaction whose UPDATE checks the old offset, so two
writers cannot both append) while the next one is read, one at a time and in order: a server
killed mid-upload answers HEAD with the last recorded offset, and the answer to a PATCH is
sent only after all its parts are recorded. A body that ends early (the network was cut)
keeps what came. With a checksum, the parts of the body are recorded together only once the
checksum matched. Memory per upload: about two parts."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from mailcore.core.blobs import BlobStore
from mailcore.core.models import (
    Member,
    NetdiskNode,
    NetdiskPart,
    NetdiskRole,
    NetdiskUpload,
    NodeKind,
    Space,
)
from mailcore.netdisk import access, spaces
from mailcore.netdisk.errors import NetdiskError, NetdiskErrorCode
from mailcore.netdisk.names import clean_name

CHECKSUMS = ("sha1", "sha256", "md5")  # Tus-Checksum-Algorithm


@dataclass(frozen=True)
class Limits:
    max_size: int  # largest upload, bytes
    part_size: int  # bytes per stored part
    expiry: float  # seconds an upload without progress is kept
    member_quota: int  # a personal space's quota when it is made


def _not_found() -> NetdiskError:
    return NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such upload")


async def _target(
    member: Member, metadata: dict[str, str], limits: Limits
) -> tuple[Space, NetdiskNode | None, NetdiskNode | None]:
    """The space, folder (None: its root) and file (for a new version) an upload goes to,
    from its metadata ``folder`` or ``file`` (node ids) or ``space`` (a space id; none: the
    member's personal space); the member must be uploader there (editor for a version)."""
    who = await access.principals(member)
    if metadata.get("file"):
        node = await _node(metadata["file"], "file")
        if node.kind != NodeKind.FILE:
            raise NetdiskError(NetdiskErrorCode.NOT_A_FILE, "not a file", "file")
        space = await Space.get(id=node.space_id)  # type: ignore[attr-defined]
        await access.require(who, space, node, NetdiskRole.EDITOR)
        return space, None, node
    folder = None
    if metadata.get("folder"):
        folder = await _node(metadata["folder"], "folder")
        if folder.kind != NodeKind.FOLDER:
            raise NetdiskError(NetdiskErrorCode.NOT_A_FOLDER, "not a folder", "folder")
        space = await Space.get(id=folder.space_id)  # type: ignore[attr-defined]
    elif metadata.get("space"):
        found = await Space.get_or_none(id=_int(metadata["space"], "space"))
        if found is None:
            raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such space", "space")
        space = found
    else:
        space = await spaces.personal_space(member, limits.member_quota)
    await access.require(who, space, folder, NetdiskRole.UPLOADER)
    return space, folder, None


def _int(value: str, field: str) -> int:
    """An id from metadata; NOT_FOUND for what no row can have (a space id is 32-bit)."""
    largest = 2**31 - 1 if field == "space" else 2**63 - 1
    if not value.isdecimal() or len(value) > 19 or int(value) > largest:
        raise NetdiskError(NetdiskErrorCode.NOT_FOUND, f"no such {field}", field)
    return int(value)


async def _node(value: str, field: str) -> NetdiskNode:
    node = await NetdiskNode.get_or_none(id=_int(value, field), trashed_at=None)
    if node is None:
        raise NetdiskError(NetdiskErrorCode.NOT_FOUND, f"no such {field}", field)
    return node


async def _reserved(space_id: int, but: str = "") -> int:
    """Bytes that unfinished uploads into the space will bring."""
    rows = (
        await NetdiskUpload.filter(finished_at=None, space_id=space_id)
        .exclude(id=but)
        .annotate(total=Sum("length"))
        .values_list("total", flat=True)
    )
    return int(rows[0] or 0) if rows else 0


def _check_room(space: Space, length: int, reserved: int) -> None:
    free = spaces.room(space, reserved)
    if free is not None and length > free:
        raise NetdiskError(
            NetdiskErrorCode.OVER_QUOTA,
            f"the space {space.name!r} has {max(free, 0)} bytes free; this file has {length}",
        )


async def create(
    member: Member, length: int, metadata: dict[str, str], limits: Limits
) -> NetdiskUpload:
    """A new upload of ``length`` bytes into the target of ``metadata``, or why not (too
    large, a bad name, no right there, over the space's quota counting the other unfinished
    uploads into it)."""
    if length < 0:
        raise NetdiskError(NetdiskErrorCode.TOO_LARGE, "Upload-Length must be a byte count")
    if length > limits.max_size:
        raise NetdiskError(NetdiskErrorCode.TOO_LARGE, f"a file is at most {limits.max_size} bytes")
    filename = clean_name(metadata.get("filename") or metadata.get("name") or "")
    space, folder, file = await _target(member, metadata, limits)
    _check_room(space, length, await _reserved(space.id))
    stored = {k: v for k, v in metadata.items() if len(k) <= 64 and len(v) <= 1024}
    return await NetdiskUpload.create(
        id=uuid.uuid4().hex,
        member_id=member.id,
        length=length,
        filename=filename,
        content_type=(metadata.get("filetype") or metadata.get("type") or "")[:127],
        metadata=stored,
        space=space,
        folder=folder,
        file=file,
        expires_at=datetime.now(UTC) + timedelta(seconds=limits.expiry),
    )


async def get(member_id: int, upload_id: str) -> NetdiskUpload:
    """The member's upload (finished ones too); NOT_FOUND for anyone else's, EXPIRED for
    an abandoned one not yet cleaned up."""
    if not upload_id.isalnum() or len(upload_id) > 32:
        raise _not_found()
    upload = await NetdiskUpload.get_or_none(id=upload_id, member_id=member_id)
    if upload is None:
        raise _not_found()
    if upload.finished_at is None and upload.expires_at < datetime.now(UTC):
        raise NetdiskError(NetdiskErrorCode.EXPIRED, "this upload expired; start it again")
    return upload


def parse_checksum(header: str) -> tuple[str, bytes]:
    """``Upload-Checksum: <algorithm> <base64 digest>``."""
    algorithm, _, value = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUMS:
        raise NetdiskError(
            NetdiskErrorCode.BAD_CHECKSUM, f"checksums: {', '.join(CHECKSUMS)}", "checksum"
        )
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise NetdiskError(
            NetdiskErrorCode.BAD_CHECKSUM, "the checksum is not base64", "checksum"
        ) from None
    return algorithm, digest


async def receive(
    upload: NetdiskUpload,
    offset: int,
    body: AsyncIterator[bytes],
    blobs: BlobStore,
    limits: Limits,
    *,
    declared: int | None = None,
    checksum: tuple[str, bytes] | None = None,
) -> int:
    """Append ``body`` at ``offset``; the new acknowledged offset. See the module docstring.
    A body that would pass ``length`` is refused (OVERLONG) and nothing past it kept."""
    if upload.finished_at is not None or offset != upload.offset:
        raise NetdiskError(
            NetdiskErrorCode.OFFSET_MISMATCH,
            f"the upload is at offset {upload.offset}, not {offset}",
        )
    if declared is not None and offset + declared > upload.length:
        raise _overlong(upload)
    hasher = hashlib.new(checksum[0]) if checksum else None
    pending: list[tuple[int, int, str]] = []  # stored, not recorded (with a checksum)
    state = {"at": offset}  # the offset after the parts stored or being stored
    buffer = bytearray()
    storing: asyncio.Future[None] | None = None  # the part being stored while more is read

    async def store(data: bytes, start: int) -> None:
        # The quota again: other uploads into the space may have filled it meanwhile.
        _check_room(await Space.get(id=upload.space_id), upload.length, 0)  # type: ignore[attr-defined]
        part = (start, len(data), await blobs.put(data))
        if hasher is None:
            await _record(upload, [part], limits)
        else:
            pending.append(part)

    async def flush() -> None:
        """Store the buffer as the next part, in the background: reading goes on while it
        is written and synced; one part at a time, so they are recorded in order."""
        nonlocal buffer, storing
        if not buffer:
            return
        data, start = bytes(buffer), state["at"]
        buffer = bytearray()
        state["at"] += len(data)
        await settle()
        storing = asyncio.ensure_future(store(data, start))

    async def settle() -> None:
        nonlocal storing
        if storing is not None:
            running, storing = storing, None
            await running

    try:
        try:
            async for chunk in body:
                if state["at"] + len(buffer) + len(chunk) > upload.length:
                    buffer = bytearray()  # nothing past Upload-Length
                    raise _overlong(upload)
                if hasher is not None:
                    hasher.update(chunk)
                buffer += chunk
                if len(buffer) >= limits.part_size:
                    await flush()
        except NetdiskError:
            raise
        except Exception:
            if hasher is None:  # cut off: keep what came (tus: resume from there)
                await flush()
            raise
        await flush()
    finally:
        if storing is not None:  # recorded (or failed) before the answer, whatever it is
            if sys.exc_info()[0] is None:
                await settle()
            else:
                with contextlib.suppress(Exception):
                    await settle()
    if hasher is not None and checksum is not None:
        if hasher.digest() != checksum[1]:
            raise NetdiskError(
                NetdiskErrorCode.CHECKSUM_MISMATCH,
                f"the {checksum[0]} checksum does not match; the part was dropped",
                "checksum",
            )
        await _record(upload, pending, limits)
    return state["at"]


def _overlong(upload: NetdiskUpload) -> NetdiskError:
    return NetdiskError(
        NetdiskErrorCode.OVERLONG, f"more bytes than Upload-Length ({upload.length})"
    )


async def _record(upload: NetdiskUpload, parts: list[tuple[int, int, str]], limits: Limits) -> None:
    """Record parts and the new offset in one transaction, only if nobody moved it."""
    if not parts:
        return
    start, total = parts[0][0], sum(size for _, size, _ in parts)
    expires = datetime.now(UTC) + timedelta(seconds=limits.expiry)
    async with in_transaction() as connection:
        moved = (
            await NetdiskUpload.filter(id=upload.id, offset=start, finished_at=None)
            .using_db(connection)
            .update(offset=F("offset") + total, expires_at=expires)
        )
        if not moved:
            raise NetdiskError(
                NetdiskErrorCode.OFFSET_MISMATCH, "another request wrote to this upload"
            )
        await NetdiskPart.bulk_create(
            [NetdiskPart(upload_id=upload.id, start=s, size=n, sha256=k) for s, n, k in parts],
            using_db=connection,
        )
    upload.offset = start + total
    upload.expires_at = expires


async def terminate(upload: NetdiskUpload) -> None:
    """Forget an unfinished upload (its parts go; their blobs to the garbage collector)."""
    if upload.finished_at is not None:
        raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "this upload is finished already")
    await upload.delete()


async def unfinished(member_id: int) -> list[NetdiskUpload]:
    return list(
        await NetdiskUpload.filter(
            member_id=member_id, finished_at=None, expires_at__gt=datetime.now(UTC)
        ).order_by("-created_at")
    )


async def clean_expired(now: datetime | None = None, finished_after: float = 86400.0) -> int:
    """Delete unfinished uploads past their expiry (their parts with them; the blobs are then
    unreferenced and collected) and finished ones older than ``finished_after`` seconds;
    how many went."""
    now = now or datetime.now(UTC)
    gone = await NetdiskUpload.filter(finished_at=None, expires_at__lt=now).delete()
    await NetdiskUpload.filter(finished_at__lt=now - timedelta(seconds=finished_after)).delete()
    return gone
