"""Where an old folder goes: the Inbox, Sent, Drafts, Trash, Junk and Archive by their
SPECIAL-USE attribute (RFC 6154) or, at the top level, by a common name in English or
Chinese (已发送, 草稿箱, 已删除, 垃圾邮件 ...); any other folder is made with its hierarchy
(names already decoded from modified UTF-7 by ``mailcore/fetch/remote.py``)."""

from __future__ import annotations

from mailcore.core.models import Folder, FolderRole
from mailcore.fetch.remote import RemoteFolder
from mailcore.store.folders import SYSTEM_FOLDERS, ensure_system_folders

MAX_DEPTH = 8  # deeper old folders go into their ancestor at this depth
BY_SPECIAL_USE = {
    "\\sent": FolderRole.SENT,
    "\\drafts": FolderRole.DRAFTS,
    "\\trash": FolderRole.TRASH,
    "\\junk": FolderRole.SPAM,
    "\\archive": FolderRole.ARCHIVE,
}
BY_NAME = {
    FolderRole.INBOX: {"inbox", "收件箱"},
    FolderRole.SENT: {
        "sent",
        "sent items",
        "sent messages",
        "sent mail",
        "已发送",
        "已发送邮件",
        "已发邮件",
        "发件箱",
    },
    FolderRole.DRAFTS: {"drafts", "draft", "草稿", "草稿箱"},
    FolderRole.TRASH: {"trash", "deleted", "deleted items", "deleted messages", "已删除", "废件箱"},
    FolderRole.SPAM: {
        "junk",
        "junk e-mail",
        "junk email",
        "spam",
        "bulk mail",
        "垃圾邮件",
        "垃圾箱",
    },
    FolderRole.ARCHIVE: {"archive", "archives", "归档", "存档"},
}
_ROLE_OF_NAME = {name: role for role, names in BY_NAME.items() for name in names}


def role_of(folder: RemoteFolder) -> FolderRole | None:
    """The system folder an old folder maps to, or None (a folder of its own)."""
    if folder.name.upper() == "INBOX" or folder.name == "":
        return FolderRole.INBOX
    if folder.special in BY_SPECIAL_USE:
        return BY_SPECIAL_USE[folder.special]
    path = list(folder.path)
    if len(path) == 2 and path[0].upper() == "INBOX":  # INBOX.Sent on Courier-style servers
        path = path[1:]
    if len(path) == 1:
        return _ROLE_OF_NAME.get(" ".join(path[0].split()).casefold())
    return None


def _name(name: str) -> str:
    return " ".join(name.replace("/", "_").split())[:200] or "_"


class FolderMap:
    """A member's folders, made as needed; ``target`` gives (folder id, role, our path)."""

    def __init__(self, member_id: int) -> None:
        self.member_id = member_id
        self._roles: dict[FolderRole, Folder] = {}

    async def load(self) -> None:
        await ensure_system_folders(self.member_id)
        for folder in await Folder.filter(member_id=self.member_id, role__isnull=False):
            self._roles[FolderRole(folder.role)] = folder

    async def target(self, folder: RemoteFolder) -> tuple[int, FolderRole, str]:
        role = role_of(folder)
        if role is not None:
            return self._roles[role].id, role, SYSTEM_FOLDERS[role]
        path = [_name(p) for p in folder.path]
        if path and path[0].upper() == "INBOX":  # children of the Inbox: at the top
            path = path[1:]
        path = path[:MAX_DEPTH] or ["_"]
        if path[0].casefold() in {s.casefold() for s in SYSTEM_FOLDERS.values()}:
            path[0] = f"{path[0]} (old)"  # a top-level name our system folders hold
        parent_id: int | None = None
        for part in path:
            parent_id = await self._child(parent_id, part)
        return parent_id or self._roles[FolderRole.INBOX].id, FolderRole.INBOX, "/".join(path)

    async def _child(self, parent_id: int | None, name: str) -> int:
        siblings = await Folder.filter(member_id=self.member_id, parent_id=parent_id)
        for sibling in siblings:
            if sibling.name.casefold() == name.casefold():
                return sibling.id
        made = await Folder.create(member_id=self.member_id, parent_id=parent_id, name=name)
        return made.id
