"""Where old folders go (``mailcore/migration/folders.py``): system folders by SPECIAL-USE
or by a common English or Chinese name at the top level; anything else is a folder of its
own (nested names are not taken for system folders)."""

from __future__ import annotations

import pytest

from mailcore.core.models import FolderRole
from mailcore.fetch.remote import RemoteFolder
from mailcore.migration.folders import role_of


@pytest.mark.parametrize(
    ("folder", "role"),
    [
        (RemoteFolder("INBOX", ()), FolderRole.INBOX),
        (RemoteFolder("", ()), FolderRole.INBOX),  # POP3
        (RemoteFolder("Sent Items", ("Sent Items",)), FolderRole.SENT),
        (RemoteFolder("&XfJT0ZAB-", ("已发送",)), FolderRole.SENT),
        (RemoteFolder("&g0l6P3ux-", ("草稿箱",)), FolderRole.DRAFTS),
        (RemoteFolder("&XfJSIJZk-", ("已删除",)), FolderRole.TRASH),
        (RemoteFolder("&V4NXPpCuTvY-", ("垃圾邮件",)), FolderRole.SPAM),
        (RemoteFolder("INBOX.Trash", ("INBOX", "Trash")), FolderRole.TRASH),
        (RemoteFolder("[Gmail]/Sent Mail", ("[Gmail]", "Sent Mail"), "\\sent"), FolderRole.SENT),
        (RemoteFolder("Papierkorb", ("Papierkorb",), "\\trash"), FolderRole.TRASH),
        (RemoteFolder("Old", ("Old",), "\\junk"), FolderRole.SPAM),
        (RemoteFolder("Projects.Sent", ("Projects", "Sent")), None),
        (RemoteFolder("Clients", ("Clients",)), None),
    ],
)
def test_roles(folder, role):
    assert role_of(folder) is role
