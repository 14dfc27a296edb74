"""Folders and files: list, make, rename, move, copy, trash, restore, purge, search, versions,
and a finished upload becoming a file (or a new version) in one transaction.

Every function takes the caller's ``Principals`` and checks their role where the change
happens (``access.require``); a node the caller cannot see is NOT_FOUND. A space's used bytes
are the sum of the sizes of the versions it keeps (trashed files included, until purged)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mailcore.core.models import (
    NetdiskNode,
    NetdiskPart,
    NetdiskRole,
    NetdiskUpload,
    NetdiskVersion,
    NodeKind,
    Space,
)
from mailcore.netdisk import access, spaces
from mailcore.netdisk.access import Principals
from mailcore.netdisk.errors import NetdiskError, NetdiskErrorCode
from mailcore.netdisk.names import clean_name, name_key

MAX_DEPTH = 64  # folders inside folders
MAX_PAGE = 500


@dataclass(frozen=True)
class Change:
    """What a change did, for live events: the space, the folders whose listing changed."""

    space_id: int
    folders: tuple[int | None, ...]  # None: the space's root
    node_id: int
    action: str


async def space_for(who: Principals, space_id: int, needed: NetdiskRole) -> Space:
    space = await Space.get_or_none(id=space_id)
    if space is None:
        raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such space", "spaceId")
    await access.require(who, space, None, needed)
    return space


async def node_for(
    who: Principals, node_id: int, needed: NetdiskRole, *, trashed: bool = False
) -> tuple[Space, NetdiskNode]:
    """A node and its space if the caller holds ``needed`` on it; a trashed node only with
    ``trashed`` (the trash's own operations)."""
    node = await NetdiskNode.get_or_none(id=node_id)
    if node is None or (node.trashed_at is not None and not trashed):
        raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such file or folder", "id")
    space = await Space.get(id=node.space_id)  # type: ignore[attr-defined]
    try:
        await access.require(who, space, node, needed)
    except NetdiskError as exc:
        exc.field = "id"
        raise
    return space, node


async def folder_for(
    who: Principals, space_id: int, folder_id: int | None, needed: NetdiskRole
) -> tuple[Space, NetdiskNode | None]:
    if folder_id is None:
        return await space_for(who, space_id, needed), None
    space, folder = await node_for(who, folder_id, needed)
    if folder.kind != NodeKind.FOLDER:
        raise NetdiskError(NetdiskErrorCode.NOT_A_FOLDER, "not a folder", "folderId")
    if space.id != space_id:
        raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such folder", "folderId")
    return space, folder


def _parent_id(node: NetdiskNode) -> int | None:
    return node.parent_id  # type: ignore[attr-defined]


async def _taken(space_id: int, parent_id: int | None, key: str, but: int = 0) -> bool:
    return (
        await NetdiskNode.filter(
            space_id=space_id, parent_id=parent_id, name_key=key, trashed_at=None
        )
        .exclude(id=but)
        .exists()
    )


async def _ensure_free(space_id: int, parent_id: int | None, name: str, but: int = 0) -> None:
    if await _taken(space_id, parent_id, name_key(name), but):
        raise NetdiskError(
            NetdiskErrorCode.NAME_TAKEN, f"this folder holds {name!r} already", "name"
        )


async def free_name(space_id: int, parent_id: int | None, name: str) -> str:
    """``name``, or ``name (2).ext``, ``name (3).ext`` … the first one free in the folder."""
    if not await _taken(space_id, parent_id, name_key(name)):
        return name
    stem, ext = os.path.splitext(name)
    for n in range(2, 10_000):
        candidate = clean_name(f"{stem[: 240 - len(ext)]} ({n}){ext}")
        if not await _taken(space_id, parent_id, name_key(candidate)):
            return candidate
    raise NetdiskError(NetdiskErrorCode.NAME_TAKEN, f"no free name like {name!r}", "name")


async def listing(
    who: Principals,
    space_id: int,
    folder_id: int | None,
    *,
    after: tuple[int, str, int] | None = None,
    first: int = 100,
) -> tuple[Space, NetdiskNode | None, list[NetdiskNode]]:
    """A page of a folder's live children, folders first then by name key then id;
    ``after`` is the last row of the previous page (kind rank, name key, id)."""
    space, folder = await folder_for(who, space_id, folder_id, NetdiskRole.VIEWER)
    first = max(1, min(first, MAX_PAGE))
    query = NetdiskNode.filter(space_id=space.id, parent_id=folder_id, trashed_at=None)
    if after is not None:
        rank, key, last = after
        kind = NodeKind.FOLDER if rank == 0 else NodeKind.FILE
        same_kind = Q(kind=kind) & (Q(name_key__gt=key) | (Q(name_key=key) & Q(id__gt=last)))
        query = (
            query.filter(same_kind | Q(kind=NodeKind.FILE))
            if rank == 0
            else query.filter(same_kind)
        )
    rows = await query.order_by("-kind", "name_key", "id").limit(first + 1)
    # "folder" > "file" as text: -kind puts folders first.
    return space, folder, list(rows)


def cursor_of(node: NetdiskNode) -> tuple[int, str, int]:
    return (0 if node.kind == NodeKind.FOLDER else 1, node.name_key, node.id)


async def _depth(folder: NetdiskNode | None) -> int:
    return len(await access.ancestors(folder))


async def create_folder(
    who: Principals, space_id: int, parent_id: int | None, name: str
) -> tuple[NetdiskNode, Change]:
    space, parent = await folder_for(who, space_id, parent_id, NetdiskRole.UPLOADER)
    name = clean_name(name)
    if await _depth(parent) >= MAX_DEPTH:
        raise NetdiskError(NetdiskErrorCode.BAD_MOVE, f"folders nest at most {MAX_DEPTH} deep")
    await _ensure_free(space.id, parent_id, name)
    node = await NetdiskNode.create(
        space=space,
        parent=parent,
        kind=NodeKind.FOLDER,
        name=name,
        name_key=name_key(name),
        created_by_id=who.member_id,
    )
    return node, Change(space.id, (parent_id,), node.id, "created")


async def rename(who: Principals, node_id: int, name: str) -> tuple[NetdiskNode, Change]:
    space, node = await node_for(who, node_id, NetdiskRole.EDITOR)
    name = clean_name(name)
    await _ensure_free(space.id, _parent_id(node), name, but=node.id)
    node.name, node.name_key = name, name_key(name)
    await node.save(update_fields=["name", "name_key", "updated_at"])
    return node, Change(space.id, (_parent_id(node),), node.id, "renamed")


async def _check_target(
    who: Principals, node: NetdiskNode, space_id: int, folder_id: int | None
) -> tuple[Space, NetdiskNode | None]:
    space, target = await folder_for(who, space_id, folder_id, NetdiskRole.UPLOADER)
    if node.kind == NodeKind.FOLDER and node.id in await access.ancestors(target):
        raise NetdiskError(NetdiskErrorCode.BAD_MOVE, "a folder cannot go into itself", "folderId")
    return space, target


async def move(
    who: Principals, node_id: int, space_id: int, folder_id: int | None, name: str | None = None
) -> tuple[NetdiskNode, Change]:
    """Move a node (with what is under it) into a folder of the same space."""
    space, node = await node_for(who, node_id, NetdiskRole.EDITOR)
    if space_id != space.id:
        raise NetdiskError(NetdiskErrorCode.BAD_MOVE, "move between spaces by copying", "spaceId")
    _, target = await _check_target(who, node, space_id, folder_id)
    new_name = clean_name(name) if name else node.name
    await _ensure_free(space.id, folder_id, new_name, but=node.id)
    old_parent = _parent_id(node)
    node.parent = target  # type: ignore[assignment]
    node.name, node.name_key = new_name, name_key(new_name)
    await node.save(update_fields=["parent_id", "name", "name_key", "updated_at"])
    return node, Change(space.id, (old_parent, folder_id), node.id, "moved")


async def copy(
    who: Principals, node_id: int, space_id: int, folder_id: int | None, name: str | None = None
) -> tuple[NetdiskNode, Change]:
    """Copy a file (its current version; the blobs are shared, not copied) or a folder with
    everything under it, into any folder the caller may upload to; the target space's quota
    must hold it."""
    _, node = await node_for(who, node_id, NetdiskRole.VIEWER)
    space, target = await _check_target(who, node, space_id, folder_id)
    new_name = clean_name(name) if name else await free_name(space.id, folder_id, node.name)
    await _ensure_free(space.id, folder_id, new_name)
    total = await _tree_size(node)
    free = spaces.room(space)
    if free is not None and total > free:
        raise NetdiskError(
            NetdiskErrorCode.OVER_QUOTA, f"the space {space.name!r} has {free} bytes free"
        )
    async with in_transaction():
        made = await _copy_tree(node, space, target, new_name, who.member_id)
        await spaces.add_used(space.id, total)
    return made, Change(space.id, (folder_id,), made.id, "created")


async def _tree_size(node: NetdiskNode) -> int:
    if node.kind == NodeKind.FILE:
        return node.size
    total = 0
    for child in await NetdiskNode.filter(parent_id=node.id, trashed_at=None):
        total += await _tree_size(child)
    return total


async def _copy_tree(
    node: NetdiskNode, space: Space, parent: NetdiskNode | None, name: str, member_id: int
) -> NetdiskNode:
    made = await NetdiskNode.create(
        space=space,
        parent=parent,
        kind=node.kind,
        name=name,
        name_key=name_key(name),
        size=node.size,
        content_type=node.content_type,
        version=1 if node.kind == NodeKind.FILE else 0,
        created_by_id=member_id,
    )
    if node.kind == NodeKind.FILE:
        current = await NetdiskVersion.get(node_id=node.id, number=node.version)
        version = await NetdiskVersion.create(
            node=made, number=1, size=current.size, created_by_id=member_id
        )
        parts = await NetdiskPart.filter(version_id=current.id).order_by("start")
        await NetdiskPart.bulk_create(
            [
                NetdiskPart(version=version, start=p.start, size=p.size, sha256=p.sha256)
                for p in parts
            ]
        )
        return made
    for child in await NetdiskNode.filter(parent_id=node.id, trashed_at=None):
        await _copy_tree(child, space, made, child.name, member_id)
    return made


async def _descendants(node: NetdiskNode) -> list[int]:
    found: list[int] = []
    frontier = [node.id]
    while frontier:
        frontier = list(
            await NetdiskNode.filter(parent_id__in=frontier).values_list("id", flat=True)
        )
        found.extend(frontier)
    return found


async def trash(who: Principals, node_id: int) -> tuple[NetdiskNode, Change]:
    """Put a node (with what is under it) in the space's trash."""
    space, node = await node_for(who, node_id, NetdiskRole.EDITOR)
    now = datetime.now(UTC)
    async with in_transaction():
        below = await _descendants(node)
        await NetdiskNode.filter(id__in=below, trashed_at=None).update(trashed_at=now)
        node.trashed_at, node.trashed_root = now, True
        await node.save(update_fields=["trashed_at", "trashed_root", "updated_at"])
    return node, Change(space.id, (_parent_id(node),), node.id, "trashed")


async def restore(who: Principals, node_id: int) -> tuple[NetdiskNode, Change]:
    """Take a node out of the trash to where it was (its name made free if it is taken, and
    to the root if its folder is gone)."""
    space, node = await node_for(who, node_id, NetdiskRole.EDITOR, trashed=True)
    if not node.trashed_root:
        raise NetdiskError(NetdiskErrorCode.NOT_TRASHED, "restore the folder it was trashed with")
    parent = await NetdiskNode.get_or_none(id=_parent_id(node)) if _parent_id(node) else None
    if parent is not None and parent.trashed_at is not None:
        parent = None
    name = await free_name(space.id, parent.id if parent else None, node.name)
    async with in_transaction():
        await NetdiskNode.filter(
            id__in=await _descendants(node), trashed_at=node.trashed_at
        ).update(trashed_at=None)
        node.parent = parent  # type: ignore[assignment]
        node.name, node.name_key = name, name_key(name)
        node.trashed_at, node.trashed_root = None, False
        await node.save(
            update_fields=["parent_id", "name", "name_key", "trashed_at", "trashed_root"]
        )
    return node, Change(space.id, (_parent_id(node),), node.id, "restored")


async def purge(who: Principals, node_id: int) -> Change:
    """Delete a trashed node for good (managers); its space gets the bytes back."""
    space, node = await node_for(who, node_id, NetdiskRole.MANAGER, trashed=True)
    if node.trashed_at is None:
        raise NetdiskError(NetdiskErrorCode.NOT_TRASHED, "only what is in the trash is purged")
    ids = [node.id, *await _descendants(node)]
    async with in_transaction():
        freed = sum(await NetdiskVersion.filter(node_id__in=ids).values_list("size", flat=True))
        await NetdiskNode.filter(id__in=list(reversed(ids))).delete()
        await spaces.add_used(space.id, -freed)
    return Change(space.id, (_parent_id(node),), node.id, "purged")


async def trashed(who: Principals, space_id: int) -> list[NetdiskNode]:
    space = await space_for(who, space_id, NetdiskRole.EDITOR)
    return list(
        await NetdiskNode.filter(space_id=space.id, trashed_root=True)
        .exclude(trashed_at=None)
        .order_by("-trashed_at")
        .limit(MAX_PAGE)
    )


async def search(who: Principals, space_id: int, text: str, limit: int = 100) -> list[NetdiskNode]:
    """Live nodes of a space whose name contains ``text`` (case-insensitive, NFC), the ones
    under folders the caller cannot see left out."""
    space = await space_for(who, space_id, NetdiskRole.VIEWER)
    needle = name_key(text.strip())[:255]
    if not needle:
        return []
    rows = (
        await NetdiskNode.filter(space_id=space.id, trashed_at=None, name_key__contains=needle)
        .order_by("name_key", "id")
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    return [row for row in rows if await access.role_in(who, space, row) is not None]


async def versions(who: Principals, node_id: int) -> list[NetdiskVersion]:
    _, node = await node_for(who, node_id, NetdiskRole.VIEWER)
    if node.kind != NodeKind.FILE:
        raise NetdiskError(NetdiskErrorCode.NOT_A_FILE, "folders have no versions", "id")
    return list(await NetdiskVersion.filter(node_id=node.id).order_by("-number"))


async def restore_version(who: Principals, node_id: int, number: int) -> tuple[NetdiskNode, Change]:
    """Make an older version the newest again (as a new version sharing its blobs)."""
    space, node = await node_for(who, node_id, NetdiskRole.EDITOR)
    old = await NetdiskVersion.get_or_none(node_id=node.id, number=number)
    if old is None:
        raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such version", "number")
    parts = [(p.start, p.size, p.sha256) for p in await NetdiskPart.filter(version_id=old.id)]
    async with in_transaction():
        await _add_version(space, node, old.size, who.member_id, lambda v: _copy_parts(v, parts))
    return node, Change(space.id, (_parent_id(node),), node.id, "updated")


async def _copy_parts(version: NetdiskVersion, parts: Sequence[tuple[int, int, str]]) -> None:
    await NetdiskPart.bulk_create(
        [NetdiskPart(version=version, start=s, size=n, sha256=k) for s, n, k in parts]
    )


async def _add_version(
    space: Space,
    node: NetdiskNode,
    size: int,
    member_id: int,
    fill: Callable[[NetdiskVersion], object],
) -> NetdiskVersion:
    """A new newest version of ``node`` (inside the caller's transaction); versions past the
    space's ``keep_versions`` go, and the space's used bytes follow."""
    version = await NetdiskVersion.create(
        node=node, number=node.version + 1, size=size, created_by_id=member_id
    )
    await fill(version)  # type: ignore[misc]
    node.version, node.size = version.number, size
    await node.save(update_fields=["version", "size", "updated_at"])
    old = (
        await NetdiskVersion.filter(node_id=node.id)
        .order_by("-number")
        .offset(max(1, space.keep_versions))
    )
    freed = sum(v.size for v in old)
    if old:
        await NetdiskVersion.filter(id__in=[v.id for v in old]).delete()
    await spaces.add_used(space.id, size - freed)
    return version


async def finish_upload(upload: NetdiskUpload) -> tuple[NetdiskNode, Change]:
    """A complete upload becomes a file in its folder (a free name like ``a (2).txt`` when
    the name is taken) or a new version of its file; its parts become the version's, in one
    transaction. (An upload whose last part was recorded by a server killed before this
    ran is finished by the next HEAD.)"""
    space = await Space.get(id=upload.space_id)  # type: ignore[attr-defined]
    size = upload.length

    async def take_parts(version: NetdiskVersion) -> None:
        await NetdiskPart.filter(upload_id=upload.id).update(upload_id=None, version_id=version.id)

    now = datetime.now(UTC)
    async with in_transaction():
        # Claimed once: of two requests finishing the same upload, one makes the file.
        claimed = await NetdiskUpload.filter(
            id=upload.id, finished_at=None, offset=upload.length
        ).update(finished_at=now)
        if not claimed:
            raise NetdiskError(NetdiskErrorCode.OFFSET_MISMATCH, "this upload is finished already")
        file_id = upload.file_id  # type: ignore[attr-defined]
        node = await NetdiskNode.get_or_none(id=file_id, trashed_at=None) if file_id else None
        if node is None:
            folder_id = upload.folder_id  # type: ignore[attr-defined]
            folder = (
                await NetdiskNode.get_or_none(id=folder_id, trashed_at=None) if folder_id else None
            )
            name = await free_name(space.id, folder.id if folder else None, upload.filename)
            node = await NetdiskNode.create(
                space=space,
                parent=folder,
                kind=NodeKind.FILE,
                name=name,
                name_key=name_key(name),
                content_type=upload.content_type,
                created_by_id=upload.member_id,  # type: ignore[attr-defined]
            )
        await _add_version(space, node, size, upload.member_id, take_parts)  # type: ignore[attr-defined]
        upload.finished_at = now
        upload.result = node  # type: ignore[assignment]
        await NetdiskUpload.filter(id=upload.id).update(result_id=node.id)
    return node, Change(space.id, (_parent_id(node),), node.id, "uploaded")


async def current_parts(
    node: NetdiskNode, number: int | None = None
) -> tuple[NetdiskVersion, list[tuple[int, int, str]]]:
    version = await NetdiskVersion.get(node_id=node.id, number=number or node.version)
    parts = (
        await NetdiskPart.filter(version_id=version.id)
        .order_by("start")
        .values_list("start", "size", "sha256")
    )
    return version, list(parts)
