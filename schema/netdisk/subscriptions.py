"""The live ``netdiskFolderChanged`` push: the caller's right to view the folder is checked
once when they subscribe; then the enterprise's netdisk events are filtered by space and
folder, with no query per event."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from mailcore.core.models import NetdiskRole
from mailcore.netdisk import nodes
from mailcore.netdisk.errors import NetdiskError
from mailcore.netdisk.events import NETDISK_CHANGED
from schema.netdisk.queries import parse_id, who
from schema.netdisk.types import FolderChanged
from schema.permissions import IsAuthenticated


@strawberry.type
class NetdiskSubscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="Changes to the listing of a folder you have open (null: the root).",
    )
    async def netdisk_folder_changed(
        self, info: Info, space_id: strawberry.ID, folder_id: strawberry.ID | None = None
    ) -> AsyncGenerator[FolderChanged, None]:
        space_number, folder_number = parse_id(space_id) or -1, parse_id(folder_id)
        try:
            await nodes.folder_for(await who(info), space_number, folder_number, NetdiskRole.VIEWER)
        except NetdiskError as exc:
            raise PermissionError(exc.message) from None
        member = info.context.identity.member
        async with info.context.runtime.bus.subscribe_enterprise(member.enterprise_id) as stream:
            async for event in stream:
                if event["kind"] != NETDISK_CHANGED or event["space"] != space_number:
                    continue
                if (folder_number or 0) not in event["folders"]:
                    continue
                yield FolderChanged(
                    space_id=strawberry.ID(str(space_number)),
                    folder_id=folder_id,
                    node_id=strawberry.ID(str(event["node"])),
                    action=event["action"],
                )
