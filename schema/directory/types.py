"""Types of the directory schema: departments, contact cards, members as admins see them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from mailcore.core.models import Member
from mailcore.directory.departments import DepartmentRow
from mailcore.directory.importing import ImportReport
from mailcore.directory.lifecycle import restorable_until
from mailcore.directory.nodes import Node, Tree
from schema.admin.types import AdminErrorCode, AdminErrorType, Done
from schema.mail.types import PageInfo


def _id(pk: int | None) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(str(pk))


@strawberry.enum
class Gender(Enum):
    UNKNOWN = 0
    MALE = 1
    FEMALE = 2


def gender_of(value: int) -> Gender:
    try:
        return Gender(value)
    except ValueError:
        return Gender.UNKNOWN


@strawberry.type
class DepartmentRef:
    id: strawberry.ID
    name: str
    path: str = strawberry.field(description="Names below the root, e.g. 研发部/后端组.")

    @classmethod
    def of(cls, tree: Tree, pk: int) -> DepartmentRef:
        node = tree.nodes[pk]
        return cls(id=strawberry.ID(str(pk)), name=node.name, path=tree.path_name(pk))

    @classmethod
    def many(cls, tree: Tree, ids: list[int]) -> list[DepartmentRef]:
        known = [pk for pk in ids if pk in tree.nodes]
        return [cls.of(tree, pk) for pk in sorted(known, key=tree.path_name)]


@strawberry.type
class DirectoryDepartment:
    """A department as members see it in the directory."""

    id: strawberry.ID
    parent_id: strawberry.ID | None
    name: str
    order: int
    depth: int
    path: str

    @classmethod
    def of(cls, tree: Tree, node: Node) -> DirectoryDepartment:
        path = tree.path(node.id)
        return cls(
            id=strawberry.ID(str(node.id)),
            parent_id=_id(node.parent_id),
            name=node.name,
            order=node.order,
            depth=len(path) - 1,
            path="/".join(n.name for n in path[1:]),
        )


@strawberry.type
class AdminDepartment:
    """A department as administrators manage it."""

    id: strawberry.ID
    parent_id: strawberry.ID | None
    name: str
    order: int
    hidden: bool
    depth: int
    path: str
    member_count: int

    @classmethod
    def of(cls, row: DepartmentRow) -> AdminDepartment:
        return cls(
            id=strawberry.ID(str(row.node.id)),
            parent_id=_id(row.node.parent_id),
            name=row.node.name,
            order=row.node.order,
            hidden=row.node.hidden,
            depth=row.depth,
            path=row.path,
            member_count=row.member_count,
        )


@strawberry.type
class Contact:
    """A colleague's contact card."""

    email: str
    name: str
    position: str
    mobile: str
    tel: str
    departments: list[DepartmentRef]

    @classmethod
    def of(cls, member: Member, tree: Tree, department_ids: list[int]) -> Contact:
        return cls(
            email=member.email,
            name=member.name,
            position=member.position,
            mobile=member.mobile,
            tel=member.tel,
            departments=DepartmentRef.many(tree, department_ids),
        )


@strawberry.type
class ContactEdge:
    node: Contact
    cursor: str


@strawberry.type
class ContactConnection:
    edges: list[ContactEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class AdminMember:
    """A member with everything an administrator manages."""

    member: strawberry.Private[Member]
    tree: strawberry.Private[Tree]
    department_ids: strawberry.Private[list[int]]
    restore_days: strawberry.Private[int]
    aliases: list[str]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.member.id))

    @strawberry.field
    def email(self) -> str:
        return self.member.email

    @strawberry.field
    def name(self) -> str:
        return self.member.name

    @strawberry.field
    def position(self) -> str:
        return self.member.position

    @strawberry.field
    def mobile(self) -> str:
        return self.member.mobile

    @strawberry.field
    def tel(self) -> str:
        return self.member.tel

    @strawberry.field
    def extid(self) -> str:
        return self.member.extid

    @strawberry.field
    def gender(self) -> Gender:
        return gender_of(self.member.gender)

    @strawberry.field
    def hidden(self) -> bool:
        return self.member.hidden

    @strawberry.field
    def vip(self) -> bool:
        return self.member.is_vip

    @strawberry.field(description="Quota in bytes; null for VIP members (no quota).")
    def quota(self) -> float | None:
        return None if self.member.is_vip else float(self.member.quota_bytes)

    @strawberry.field(description="The stored quota in bytes (applies when VIP is removed).")
    def quota_bytes(self) -> float:
        return float(self.member.quota_bytes)

    @strawberry.field(description="Bytes used by this mailbox.")
    def used(self) -> float:
        return float(self.member.used_bytes)

    @strawberry.field
    def enabled(self) -> bool:
        return self.member.enabled

    @strawberry.field(description="The member must choose a new password at next sign-in.")
    def must_change_password(self) -> bool:
        return self.member.must_change_password

    @strawberry.field
    def deleted_at(self) -> datetime | None:
        return self.member.deleted_at

    @strawberry.field(description="Until when a deleted member can be restored.")
    def restorable_until(self) -> datetime | None:
        return restorable_until(self.member, self.restore_days)

    @strawberry.field
    def departments(self) -> list[DepartmentRef]:
        return DepartmentRef.many(self.tree, self.department_ids)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.member.created_at


@strawberry.type
class AdminMemberEdge:
    node: AdminMember
    cursor: str


@strawberry.type
class AdminMemberConnection:
    edges: list[AdminMemberEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input
class CreateMemberInput:
    email: str
    password: str
    name: str | None = None
    position: str | None = None
    mobile: str | None = None
    tel: str | None = None
    extid: str | None = None
    gender: Gender | None = None
    department_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="One or more departments (default: the root)."
    )
    vip: bool | None = None
    quota: str | None = strawberry.field(
        default=None, description="Such as 2G, 500M or bytes (default: QIYOU_DEFAULT_QUOTA)."
    )
    hidden: bool | None = None
    must_change_password: bool | None = None


@strawberry.input(description="Fields left out (null) stay as they are.")
class UpdateMemberInput:
    email: str | None = None
    password: str | None = None
    name: str | None = None
    position: str | None = None
    mobile: str | None = None
    tel: str | None = None
    extid: str | None = None
    gender: Gender | None = None
    department_ids: list[strawberry.ID] | None = None
    vip: bool | None = None
    quota: str | None = None
    hidden: bool | None = None
    must_change_password: bool | None = None


@strawberry.enum
class ImportRowStatus(Enum):
    CREATED = "created"
    UPDATED = "updated"
    ERROR = "error"


@strawberry.type
class MemberImportRow:
    row: int = strawberry.field(description="The spreadsheet row number (1 = first line).")
    email: str
    status: ImportRowStatus
    code: AdminErrorCode | None
    message: str | None
    field: str | None


@strawberry.type
class MemberImportReport:
    total: int
    created: int
    updated: int
    failed: int
    rows: list[MemberImportRow]

    @classmethod
    def of(cls, report: ImportReport) -> MemberImportReport:
        return cls(
            total=len(report.rows),
            created=report.count("created"),
            updated=report.count("updated"),
            failed=report.count("error"),
            rows=[
                MemberImportRow(
                    row=r.row,
                    email=r.email,
                    status=ImportRowStatus(r.status),
                    code=AdminErrorCode(r.code) if r.code else None,
                    message=r.message,
                    field=r.field,
                )
                for r in report.rows
            ],
        )


AdminDepartmentResult = Annotated[
    AdminDepartment | AdminErrorType, strawberry.union("AdminDepartmentResult")
]
DeleteDepartmentResult = Annotated[
    Done | AdminErrorType, strawberry.union("DeleteDepartmentResult")
]
AdminMemberResult = Annotated[AdminMember | AdminErrorType, strawberry.union("AdminMemberResult")]
ImportMembersResult = Annotated[
    MemberImportReport | AdminErrorType, strawberry.union("ImportMembersResult")
]
