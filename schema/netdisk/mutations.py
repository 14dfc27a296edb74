"""Netdisk mutations: thin, each calls one mailcore service (which checks the caller's role
where the change happens), maps the result, and announces the change to open folders."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry
from strawberry.types import Info

from mailcore.core.models import NetdiskRole, PrincipalKind, SpaceKind
from mailcore.netdisk import events, grants, nodes, spaces, uploads
from mailcore.netdisk.errors import NetdiskError
from schema.netdisk.queries import parse_id, who
from schema.netdisk.types import (
    DoneResult,
    DoneType,
    GrantResult,
    GrantType,
    NetdiskErrorType,
    NodeResult,
    NodeType,
    PrincipalKindType,
    RoleType,
    SpaceResult,
    SpaceType,
)
from schema.permissions import IsAuthenticated

T = TypeVar("T")


async def _changed(info: Info, work: Awaitable[tuple[T, nodes.Change]]) -> T:
    made, change = await work
    member = info.context.identity.member
    await events.announce(info.context.runtime.bus, member.enterprise_id, change)
    return made


def _id(value: strawberry.ID | None) -> int:
    return parse_id(value) or -1


@strawberry.type
class NetdiskMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="A project space of your company; you become its manager.",
    )
    async def create_netdisk_project_space(self, info: Info, name: str) -> SpaceResult:
        try:
            space = await spaces.create_space(info.context.identity.member, SpaceKind.PROJECT, name)
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return SpaceType.of(space, NetdiskRole.MANAGER)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="How many versions of each file the space keeps (managers).",
    )
    async def set_netdisk_keep_versions(
        self, info: Info, space_id: strawberry.ID, keep: int
    ) -> SpaceResult:
        try:
            space = await nodes.space_for(await who(info), _id(space_id), NetdiskRole.MANAGER)
            space = await spaces.set_keep_versions(space, keep)
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return SpaceType.of(space, NetdiskRole.MANAGER)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="A new folder (uploaders)."
    )
    async def create_netdisk_folder(
        self,
        info: Info,
        space_id: strawberry.ID,
        name: str,
        folder_id: strawberry.ID | None = None,
    ) -> NodeResult:
        try:
            made = await _changed(
                info, nodes.create_folder(await who(info), _id(space_id), parse_id(folder_id), name)
            )
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return NodeType.of(made)

    @strawberry.mutation(permission_classes=[IsAuthenticated], description="Rename (editors).")
    async def rename_netdisk_node(self, info: Info, id: strawberry.ID, name: str) -> NodeResult:
        try:
            node = await _changed(info, nodes.rename(await who(info), _id(id), name))
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return NodeType.of(node)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Move into a folder of the same space (editors here, uploaders there).",
    )
    async def move_netdisk_node(
        self,
        info: Info,
        id: strawberry.ID,
        space_id: strawberry.ID,
        folder_id: strawberry.ID | None = None,
        name: str | None = None,
    ) -> NodeResult:
        try:
            node = await _changed(
                info, nodes.move(await who(info), _id(id), _id(space_id), parse_id(folder_id), name)
            )
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return NodeType.of(node)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Copy into any folder you may upload to (viewers of the source).",
    )
    async def copy_netdisk_node(
        self,
        info: Info,
        id: strawberry.ID,
        space_id: strawberry.ID,
        folder_id: strawberry.ID | None = None,
        name: str | None = None,
    ) -> NodeResult:
        try:
            node = await _changed(
                info, nodes.copy(await who(info), _id(id), _id(space_id), parse_id(folder_id), name)
            )
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return NodeType.of(node)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="To the trash (editors)."
    )
    async def trash_netdisk_node(self, info: Info, id: strawberry.ID) -> NodeResult:
        try:
            node = await _changed(info, nodes.trash(await who(info), _id(id)))
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return NodeType.of(node)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Out of the trash (editors)."
    )
    async def restore_netdisk_node(self, info: Info, id: strawberry.ID) -> NodeResult:
        try:
            node = await _changed(info, nodes.restore(await who(info), _id(id)))
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return NodeType.of(node)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Delete a trashed file or folder for good (managers).",
    )
    async def purge_netdisk_node(self, info: Info, id: strawberry.ID) -> DoneResult:
        try:
            change = await nodes.purge(await who(info), _id(id))
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        member = info.context.identity.member
        await events.announce(info.context.runtime.bus, member.enterprise_id, change)
        return DoneType()

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Make an older version the newest again (editors).",
    )
    async def restore_netdisk_version(
        self, info: Info, id: strawberry.ID, number: int
    ) -> NodeResult:
        try:
            node = await _changed(info, nodes.restore_version(await who(info), _id(id), number))
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return NodeType.of(node)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Give a member, department or group a role on a space or folder (managers).",
    )
    async def grant_netdisk_role(
        self,
        info: Info,
        space_id: strawberry.ID,
        principal_kind: PrincipalKindType,  # type: ignore[valid-type]
        principal_id: strawberry.ID,
        role: RoleType,  # type: ignore[valid-type]
        folder_id: strawberry.ID | None = None,
    ) -> GrantResult:
        try:
            grant = await grants.grant(
                await who(info),
                _id(space_id),
                parse_id(folder_id),
                PrincipalKind(principal_kind),
                _id(principal_id),
                NetdiskRole(role),
            )
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return GrantType.of(grant)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Take a role away (managers)."
    )
    async def revoke_netdisk_grant(self, info: Info, id: strawberry.ID) -> DoneResult:
        try:
            await grants.revoke(await who(info), _id(id))
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return DoneType()

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Cancel one of your unfinished uploads."
    )
    async def cancel_netdisk_upload(self, info: Info, id: strawberry.ID) -> DoneResult:
        try:
            upload = await uploads.get(info.context.identity.member.id, str(id))
            await uploads.terminate(upload)
        except NetdiskError as exc:
            return NetdiskErrorType.of(exc)
        return DoneType()
