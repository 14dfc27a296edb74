"""Netdisk queries: each checks the caller's role on the space or folder it reads."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.core.models import NetdiskRole
from mailcore.netdisk import access, grants, nodes, spaces, uploads
from mailcore.netdisk.errors import NetdiskError
from schema.netdisk.types import (
    FolderPage,
    FolderResult,
    GrantType,
    NetdiskErrorType,
    NodeType,
    SpaceType,
    UploadType,
    VersionType,
    decode_cursor,
    encode_cursor,
)
from schema.permissions import IsAuthenticated


def parse_id(value: strawberry.ID | None) -> int | None:
    if value is None:
        return None
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 19 else -1


async def who(info: Info) -> access.Principals:
    return await access.principals(info.context.identity.member)


@strawberry.type
class NetdiskQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your personal space first, then the shared spaces you have a role in.",
    )
    async def netdisk_spaces(self, info: Info) -> list[SpaceType]:
        member = info.context.identity.member
        me = await who(info)
        own = await spaces.personal_space(member, info.context.runtime.settings.netdisk_quota)
        found = [SpaceType.of(own, NetdiskRole.MANAGER)]
        found += [SpaceType.of(space, role) for space, role in await access.shared_spaces(me, own)]
        return found

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="A page of a folder (null folderId: the space's root): folders first, by name.",
    )
    async def netdisk_folder(
        self,
        info: Info,
        space_id: strawberry.ID,
        folder_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> FolderResult:
        me = await who(info)
        try:
            space, folder, rows = await nodes.listing(
                me,
                parse_id(space_id) or -1,
                parse_id(folder_id),
                after=decode_cursor(after),
                first=first,
            )
            role = await access.role_in(me, space, folder)
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        page = rows[: max(1, min(first, nodes.MAX_PAGE))]
        return FolderPage(
            space=SpaceType.of(space, role or NetdiskRole.VIEWER),
            folder=NodeType.of(folder) if folder else None,
            items=[NodeType.of(row) for row in page],
            end_cursor=encode_cursor(nodes.cursor_of(page[-1])) if page else None,
            has_more=len(rows) > len(page),
        )

    @strawberry.field(permission_classes=[IsAuthenticated], description="A file or folder.")
    async def netdisk_node(self, info: Info, id: strawberry.ID) -> NodeType | None:
        try:
            _, node = await nodes.node_for(await who(info), parse_id(id) or -1, NetdiskRole.VIEWER)
        except NetdiskError:
            return None
        return NodeType.of(node)

    @strawberry.field(
        permission_classes=[IsAuthenticated], description="Files and folders by name."
    )
    async def netdisk_search(
        self, info: Info, space_id: strawberry.ID, text: str, first: int = 100
    ) -> list[NodeType]:
        try:
            found = await nodes.search(await who(info), parse_id(space_id) or -1, text, first)
        except NetdiskError:
            return []
        return [NodeType.of(node) for node in found]

    @strawberry.field(
        permission_classes=[IsAuthenticated], description="A space's trash (editors)."
    )
    async def netdisk_trash(self, info: Info, space_id: strawberry.ID) -> list[NodeType]:
        try:
            found = await nodes.trashed(await who(info), parse_id(space_id) or -1)
        except NetdiskError:
            return []
        return [NodeType.of(node) for node in found]

    @strawberry.field(
        permission_classes=[IsAuthenticated], description="A file's versions, newest first."
    )
    async def netdisk_versions(self, info: Info, id: strawberry.ID) -> list[VersionType]:
        try:
            found = await nodes.versions(await who(info), parse_id(id) or -1)
        except NetdiskError:
            return []
        return [VersionType.of(version) for version in found]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Who has a role on a space (null folderId) or on a folder.",
    )
    async def netdisk_grants(
        self, info: Info, space_id: strawberry.ID, folder_id: strawberry.ID | None = None
    ) -> list[GrantType]:
        try:
            found = await grants.listed(
                await who(info), parse_id(space_id) or -1, parse_id(folder_id)
            )
        except NetdiskError:
            return []
        return [GrantType.of(grant) for grant in found]

    @strawberry.field(
        permission_classes=[IsAuthenticated], description="Your unfinished uploads, newest first."
    )
    async def netdisk_uploads(self, info: Info) -> list[UploadType]:
        found = await uploads.unfinished(info.context.identity.member.id)
        return [UploadType.of(upload) for upload in found]

    @strawberry.field(permission_classes=[IsAuthenticated], description="One of your uploads.")
    async def netdisk_upload(self, info: Info, id: strawberry.ID) -> UploadType | None:
        try:
            return UploadType.of(await uploads.get(info.context.identity.member.id, str(id)))
        except NetdiskError:
            return None
