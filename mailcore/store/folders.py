"""Folders: the system folders every member has, custom nested folders, lookup by name."""

from __future__ import annotations

from mailcore.core.models import Folder, FolderRole
from mailcore.store.errors import MailError, MailErrorCode

SYSTEM_FOLDERS = {
    FolderRole.INBOX: "Inbox",
    FolderRole.DRAFTS: "Drafts",
    FolderRole.SENT: "Sent",
    FolderRole.TRASH: "Trash",
    FolderRole.SPAM: "Spam",
    FolderRole.ARCHIVE: "Archive",
}
MAX_NAME = 200
MAX_DEPTH = 10


async def ensure_system_folders(member_id: int) -> None:
    existing = set(
        await Folder.filter(member_id=member_id, role__isnull=False).values_list("role", flat=True)
    )
    missing = [
        Folder(member_id=member_id, name=name, role=role)
        for role, name in SYSTEM_FOLDERS.items()
        if role not in existing
    ]
    if missing:
        await Folder.bulk_create(missing)


async def folder_by_role(member_id: int, role: FolderRole) -> Folder:
    return await Folder.get(member_id=member_id, role=role)


async def resolve_folder(member_id: int, ref: str) -> Folder:
    """Find a member's folder by role (``INBOX``, ``sent``), id, or path (``Projects/2026``)."""
    ref = (ref or "").strip()
    try:
        role = FolderRole(ref.lower())
    except ValueError:
        role = None
    if role is not None:
        folder = await Folder.filter(member_id=member_id, role=role).first()
    elif ref.isdigit():
        folder = await Folder.filter(member_id=member_id, id=int(ref)).first()
    else:
        folder = await _by_path(member_id, ref)
    if folder is None:
        raise MailError(MailErrorCode.NOT_FOUND, f"no folder {ref!r}", "folder")
    return folder


async def _by_path(member_id: int, path: str) -> Folder | None:
    parent_id = None
    folder = None
    for part in [p for p in path.split("/") if p]:
        folder = await Folder.filter(member_id=member_id, parent_id=parent_id, name=part).first()
        if folder is None:
            return None
        parent_id = folder.id
    return folder


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME or "/" in name:
        raise MailError(
            MailErrorCode.INVALID,
            f"a folder name needs 1 to {MAX_NAME} characters and no '/'",
            "name",
        )
    return name


async def _check_free(member_id: int, parent_id: int | None, name: str) -> None:
    siblings = await Folder.filter(member_id=member_id, parent_id=parent_id).values_list(
        "name", flat=True
    )
    taken = {s.casefold() for s in siblings}
    if parent_id is None:
        taken |= {n.casefold() for n in SYSTEM_FOLDERS.values()}
    if name.casefold() in taken:
        raise MailError(MailErrorCode.FOLDER_EXISTS, f"a folder named {name!r} exists", "name")


async def create_folder(member_id: int, name: str, parent_id: int | None = None) -> Folder:
    name = _clean_name(name)
    if parent_id is not None:
        parent = await Folder.filter(member_id=member_id, id=parent_id).first()
        if parent is None:
            raise MailError(MailErrorCode.NOT_FOUND, "no such parent folder", "parentId")
        if await _depth(parent) >= MAX_DEPTH:
            raise MailError(MailErrorCode.INVALID, "folders nest too deep", "parentId")
    await _check_free(member_id, parent_id, name)
    return await Folder.create(member_id=member_id, name=name, parent_id=parent_id)


async def _depth(folder: Folder) -> int:
    depth = 1
    while folder.parent_id is not None and depth <= MAX_DEPTH:
        folder = await Folder.get(id=folder.parent_id)
        depth += 1
    return depth


async def rename_folder(member_id: int, folder_id: int, name: str) -> Folder:
    folder = await _custom_folder(member_id, folder_id)
    name = _clean_name(name)
    if name.casefold() != folder.name.casefold():
        await _check_free(member_id, folder.parent_id, name)
    folder.name = name
    await folder.save(update_fields=["name"])
    return folder


async def folder_tree(member_id: int, folder_id: int) -> list[int]:
    """A custom folder and its sub-folders, to delete (``Changes.delete_folder``)."""
    folder = await _custom_folder(member_id, folder_id)
    ids = [folder.id]
    frontier = [folder.id]
    while frontier:
        frontier = list(
            await Folder.filter(member_id=member_id, parent_id__in=frontier).values_list(
                "id", flat=True
            )
        )
        ids.extend(frontier)
    return ids


async def _custom_folder(member_id: int, folder_id: int) -> Folder:
    folder = await Folder.filter(member_id=member_id, id=folder_id).first()
    if folder is None:
        raise MailError(MailErrorCode.NOT_FOUND, "no such folder", "id")
    if folder.role is not None:
        raise MailError(MailErrorCode.FOLDER_PROTECTED, "system folders cannot be changed", "id")
    return folder
