"""Netdisk (U16) and resumable uploads (U5): spaces, folders and files as nodes, file versions,
the blob parts a file's content is made of, permission grants, and tus upload sessions.

A file's content is an ordered list of blobs (``NetdiskPart``): an upload stores each part as
it arrives, and a finished upload's parts become the version's parts in one update, so a
2 GB file is never one blob nor one temporary file."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class SpaceKind(StrEnum):
    PERSONAL = "personal"  # one per member, theirs alone unless they share it
    COMPANY = "company"  # the whole enterprise
    DEPARTMENT = "department"  # a department's
    PROJECT = "project"  # a team's, made by a member


class NetdiskRole(StrEnum):
    """What a grant allows, each including the ones before it."""

    VIEWER = "viewer"  # list, read, download
    UPLOADER = "uploader"  # and add files and folders
    EDITOR = "editor"  # and rename, move, replace, trash
    MANAGER = "manager"  # and grant, purge, settings


class PrincipalKind(StrEnum):
    MEMBER = "member"
    DEPARTMENT = "department"  # its members and those of its sub-departments
    GROUP = "group"  # a mail group's members


class NodeKind(StrEnum):
    FOLDER = "folder"
    FILE = "file"


class Space(Model):
    """A tree of folders and files with its own quota (0: none) and version count."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="netdisk_spaces", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(SpaceKind, max_length=16)
    name = fields.CharField(max_length=255)
    owner: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="netdisk_spaces", on_delete=fields.CASCADE, null=True
    )  # the member of a personal space
    department: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Department", related_name="netdisk_spaces", on_delete=fields.SET_NULL, null=True
    )
    quota_bytes = fields.BigIntField(default=0)
    used_bytes = fields.BigIntField(default=0)
    keep_versions = fields.IntField(default=10)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "netdisk_space"
        unique_together = (("kind", "owner"),)  # one personal space per member


class NetdiskNode(Model):
    """A folder or a file. Names are NFC-normalised, and among the live children of a folder
    a name is unique regardless of case. A trashed node keeps its place, ``trashed_root``
    marks the node the member trashed (its descendants went with it)."""

    id = fields.BigIntField(primary_key=True)
    space: fields.ForeignKeyRelation[Space] = fields.ForeignKeyField(
        "qiyou.Space", related_name="nodes", on_delete=fields.CASCADE
    )
    parent: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.NetdiskNode", related_name="children", on_delete=fields.CASCADE, null=True
    )
    kind = fields.CharEnumField(NodeKind, max_length=8)
    name = fields.CharField(max_length=255)
    name_key = fields.CharField(max_length=255, db_index=True)  # casefolded NFC name
    size = fields.BigIntField(default=0)
    content_type = fields.CharField(max_length=127, default="")
    version = fields.IntField(default=0)  # the current version's number (files)
    trashed_at = fields.DatetimeField(null=True)
    trashed_root = fields.BooleanField(default=False)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="netdisk_nodes", on_delete=fields.SET_NULL, null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "netdisk_node"
        indexes = (("space_id", "parent_id"),)


class NetdiskVersion(Model):
    """One version of a file (the newest ``Space.keep_versions`` are kept)."""

    id = fields.BigIntField(primary_key=True)
    node: fields.ForeignKeyRelation[NetdiskNode] = fields.ForeignKeyField(
        "qiyou.NetdiskNode", related_name="versions", on_delete=fields.CASCADE
    )
    number = fields.IntField()
    size = fields.BigIntField(default=0)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="netdisk_versions", on_delete=fields.SET_NULL, null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "netdisk_version"
        unique_together = (("node", "number"),)


class NetdiskUpload(Model):
    """A tus upload session (docs/netdisk.md): ``offset`` is the last acknowledged byte
    count, the sum of its parts' sizes. ``folder`` (or ``file``, for a new version) is where
    it becomes a file when complete, ``expires_at`` is moved on by every part."""

    id = fields.CharField(max_length=32, primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="netdisk_uploads", on_delete=fields.CASCADE
    )
    length = fields.BigIntField()
    offset = fields.BigIntField(default=0)
    filename = fields.CharField(max_length=255, default="")
    content_type = fields.CharField(max_length=127, default="")
    metadata = fields.JSONField(default=dict)
    space: fields.ForeignKeyRelation[Space] = fields.ForeignKeyField(
        "qiyou.Space", related_name="uploads", on_delete=fields.CASCADE
    )
    folder: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.NetdiskNode", related_name="uploads_into", on_delete=fields.SET_NULL, null=True
    )
    file: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.NetdiskNode", related_name="uploads_of", on_delete=fields.SET_NULL, null=True
    )
    result: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.NetdiskNode", related_name="uploads_made", on_delete=fields.SET_NULL, null=True
    )  # the file it became
    error = fields.CharField(max_length=500, default="")  # why it could not become a file
    expires_at = fields.DatetimeField(db_index=True)
    finished_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "netdisk_upload"


class NetdiskPart(Model):
    """One blob of a content: of an upload while it runs, of a version afterwards."""

    id = fields.BigIntField(primary_key=True)
    upload: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.NetdiskUpload", related_name="parts", on_delete=fields.CASCADE, null=True
    )
    version: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.NetdiskVersion", related_name="parts", on_delete=fields.CASCADE, null=True
    )
    start = fields.BigIntField()  # offset of its first byte in the content
    size = fields.BigIntField()
    sha256 = fields.CharField(max_length=64, db_index=True)

    class Meta:
        table = "netdisk_part"


class NetdiskGrant(Model):
    """A role on a space (``node`` null) or a folder and what is under it, for a member, a
    department or a mail group."""

    id = fields.IntField(primary_key=True)
    space: fields.ForeignKeyRelation[Space] = fields.ForeignKeyField(
        "qiyou.Space", related_name="grants", on_delete=fields.CASCADE
    )
    node: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.NetdiskNode", related_name="grants", on_delete=fields.CASCADE, null=True
    )
    principal_kind = fields.CharEnumField(PrincipalKind, max_length=16)
    principal_id = fields.IntField()
    role = fields.CharEnumField(NetdiskRole, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "netdisk_grant"
        unique_together = (("space", "node", "principal_kind", "principal_id"),)
