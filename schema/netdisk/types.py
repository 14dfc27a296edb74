"""GraphQL types of the netdisk; the error codes derive from ``NetdiskErrorCode``."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Annotated

import strawberry

from mailcore.core.models import (
    NetdiskGrant,
    NetdiskNode,
    NetdiskRole,
    NetdiskUpload,
    NetdiskVersion,
    NodeKind,
    PrincipalKind,
    Space,
    SpaceKind,
)
from mailcore.netdisk.errors import NetdiskError, NetdiskErrorCode

NetdiskErrorCodeType = strawberry.enum(NetdiskErrorCode, name="NetdiskErrorCode")
SpaceKindType = strawberry.enum(SpaceKind, name="NetdiskSpaceKind")
RoleType = strawberry.enum(NetdiskRole, name="NetdiskRole")
NodeKindType = strawberry.enum(NodeKind, name="NetdiskNodeKind")
PrincipalKindType = strawberry.enum(PrincipalKind, name="NetdiskPrincipalKind")


@strawberry.type(name="NetdiskError")
class NetdiskErrorType:
    code: NetdiskErrorCodeType  # type: ignore[valid-type]
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: NetdiskError) -> NetdiskErrorType:
        return cls(code=exc.code, message=exc.message, field=exc.field)


@strawberry.type(name="NetdiskSpace")
class SpaceType:
    id: strawberry.ID
    kind: SpaceKindType  # type: ignore[valid-type]
    name: str
    quota_bytes: float = strawberry.field(description="0: no quota")
    used_bytes: float
    keep_versions: int
    my_role: RoleType  # type: ignore[valid-type]

    @classmethod
    def of(cls, space: Space, role: NetdiskRole) -> SpaceType:
        return cls(
            id=strawberry.ID(str(space.id)),
            kind=SpaceKindType(space.kind),
            name=space.name,
            quota_bytes=float(space.quota_bytes),
            used_bytes=float(space.used_bytes),
            keep_versions=space.keep_versions,
            my_role=RoleType(role),
        )


@strawberry.type(name="NetdiskNode")
class NodeType:
    id: strawberry.ID
    space_id: strawberry.ID
    folder_id: strawberry.ID | None = strawberry.field(description="null: the space's root")
    kind: NodeKindType  # type: ignore[valid-type]
    name: str
    size: float
    content_type: str
    version: int
    created_at: datetime
    updated_at: datetime
    trashed_at: datetime | None
    download_url: str | None = strawberry.field(
        description="GET with Authorization (Range supported); null for folders"
    )

    @classmethod
    def of(cls, node: NetdiskNode) -> NodeType:
        parent = node.parent_id  # type: ignore[attr-defined]
        return cls(
            id=strawberry.ID(str(node.id)),
            space_id=strawberry.ID(str(node.space_id)),  # type: ignore[attr-defined]
            folder_id=strawberry.ID(str(parent)) if parent else None,
            kind=NodeKindType(node.kind),
            name=node.name,
            size=float(node.size),
            content_type=node.content_type,
            version=node.version,
            created_at=node.created_at,
            updated_at=node.updated_at,
            trashed_at=node.trashed_at,
            download_url=f"/netdisk/files/{node.id}" if node.kind == NodeKind.FILE else None,
        )


@strawberry.type(name="NetdiskFolderPage")
class FolderPage:
    space: SpaceType
    folder: NodeType | None
    items: list[NodeType]
    end_cursor: str | None = strawberry.field(description="pass as `after` for the next page")
    has_more: bool


def encode_cursor(value: tuple[int, str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(value)).encode()).decode()


def decode_cursor(value: str | None) -> tuple[int, str, int] | None:
    if not value:
        return None
    try:
        rank, key, last = json.loads(base64.urlsafe_b64decode(value.encode()))
        return int(rank), str(key), int(last)
    except (ValueError, TypeError):
        return None


@strawberry.type(name="NetdiskVersion")
class VersionType:
    number: int
    size: float
    created_at: datetime

    @classmethod
    def of(cls, version: NetdiskVersion) -> VersionType:
        return cls(number=version.number, size=float(version.size), created_at=version.created_at)


@strawberry.type(name="NetdiskGrant")
class GrantType:
    id: strawberry.ID
    space_id: strawberry.ID
    folder_id: strawberry.ID | None
    principal_kind: PrincipalKindType  # type: ignore[valid-type]
    principal_id: strawberry.ID
    role: RoleType  # type: ignore[valid-type]

    @classmethod
    def of(cls, grant: NetdiskGrant) -> GrantType:
        node = grant.node_id  # type: ignore[attr-defined]
        return cls(
            id=strawberry.ID(str(grant.id)),
            space_id=strawberry.ID(str(grant.space_id)),  # type: ignore[attr-defined]
            folder_id=strawberry.ID(str(node)) if node else None,
            principal_kind=PrincipalKindType(grant.principal_kind),
            principal_id=strawberry.ID(str(grant.principal_id)),
            role=RoleType(grant.role),
        )


@strawberry.type(name="NetdiskUpload")
class UploadType:
    id: strawberry.ID
    url: str = strawberry.field(description="the tus upload URL (HEAD/PATCH/DELETE)")
    filename: str
    length: float
    offset: float
    space_id: strawberry.ID
    expires_at: datetime
    file_id: strawberry.ID | None = strawberry.field(description="the file it became")

    @classmethod
    def of(cls, upload: NetdiskUpload) -> UploadType:
        result = upload.result_id  # type: ignore[attr-defined]
        return cls(
            id=strawberry.ID(upload.id),
            url=f"/uploads/{upload.id}",
            filename=upload.filename,
            length=float(upload.length),
            offset=float(upload.offset),
            space_id=strawberry.ID(str(upload.space_id)),  # type: ignore[attr-defined]
            expires_at=upload.expires_at,
            file_id=strawberry.ID(str(result)) if result else None,
        )


@strawberry.type(name="NetdiskDone")
class DoneType:
    ok: bool = True


@strawberry.type(name="NetdiskFolderChanged")
class FolderChanged:
    space_id: strawberry.ID
    folder_id: strawberry.ID | None
    node_id: strawberry.ID
    action: str = strawberry.field(
        description="created, uploaded, updated, renamed, moved, trashed, restored, purged"
    )


FolderResult = Annotated[FolderPage | NetdiskErrorType, strawberry.union("NetdiskFolderResult")]
SpaceResult = Annotated[SpaceType | NetdiskErrorType, strawberry.union("NetdiskSpaceResult")]
NodeResult = Annotated[NodeType | NetdiskErrorType, strawberry.union("NetdiskNodeResult")]
GrantResult = Annotated[GrantType | NetdiskErrorType, strawberry.union("NetdiskGrantResult")]
DoneResult = Annotated[DoneType | NetdiskErrorType, strawberry.union("NetdiskDoneResult")]
