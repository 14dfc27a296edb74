"""Types of the groups schema."""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Annotated

import strawberry
from graphql import GraphQLError

from mailcore.admin.errors import AdminError
from mailcore.core.models import PersonalGroup, PostingPermission
from mailcore.groups.admin import GroupView
from mailcore.groups.errors import GroupError
from mailcore.groups.errors import GroupErrorCode as CoreCode
from mailcore.groups.lookup import GroupHit
from schema.admin.types import AdminErrorType, Done

GroupErrorCode = strawberry.enum(StrEnum("GroupErrorCode", {c.name: c.value for c in CoreCode}))


@strawberry.enum(description="Who may send to an enterprise group (allow_type 0–3).")
class GroupPostingPermission(Enum):
    COMPANY = "COMPANY"  # 0: members of the enterprise
    ANYONE = "ANYONE"  # 1
    GROUP_MEMBERS = "GROUP_MEMBERS"  # 2: the group's own (expanded) members
    LISTED = "LISTED"  # 3: the allowed senders only

    @property
    def core(self) -> PostingPermission:
        return PostingPermission[self.name]

    @classmethod
    def of(cls, value: int) -> GroupPostingPermission:
        return cls[PostingPermission(value).name]


@strawberry.enum
class GroupKind(Enum):
    ENTERPRISE = "ENTERPRISE"
    PERSONAL = "PERSONAL"


@strawberry.type
class GroupMember:
    email: str
    name: str


@strawberry.type
class GroupDepartment:
    id: strawberry.ID
    name: str


@strawberry.type
class GroupRef:
    id: strawberry.ID
    email: str
    name: str


@strawberry.type(name="MailGroup")
class MailGroupType:
    id: strawberry.ID
    email: str
    name: str
    permission: GroupPostingPermission
    allow_type: int = strawberry.field(description="The permission as the number 0–3.")
    allowed_senders: list[str]
    members: list[GroupMember]
    departments: list[GroupDepartment] = strawberry.field(
        description="Departments in the group: each with all its sub-departments."
    )
    groups: list[GroupRef]

    @classmethod
    def of(cls, view: GroupView) -> MailGroupType:
        g = view.group
        return cls(
            id=strawberry.ID(str(g.id)),
            email=g.email,
            name=g.name,
            permission=GroupPostingPermission.of(g.permission),
            allow_type=int(g.permission),
            allowed_senders=list(g.allowed_senders),
            members=[GroupMember(email=m.email, name=m.name) for m in view.members],
            departments=[
                GroupDepartment(id=strawberry.ID(str(d.id)), name=d.name) for d in view.departments
            ],
            groups=[
                GroupRef(id=strawberry.ID(str(s.id)), email=s.email, name=s.name)
                for s in view.subgroups
            ],
        )


@strawberry.type(name="PersonalGroup")
class PersonalGroupType:
    id: strawberry.ID
    name: str
    addresses: list[str]

    @classmethod
    def of(cls, group: PersonalGroup) -> PersonalGroupType:
        return cls(id=strawberry.ID(str(group.id)), name=group.name, addresses=group.addresses)


@strawberry.type
class GroupSuggestion:
    id: strawberry.ID
    kind: GroupKind
    name: str
    address: str | None = strawberry.field(description="An enterprise group's address.")
    addresses: list[str] = strawberry.field(description="A personal group's addresses.")

    @classmethod
    def of(cls, hit: GroupHit) -> GroupSuggestion:
        return cls(
            id=strawberry.ID(str(hit.id)),
            kind=GroupKind.PERSONAL if hit.personal else GroupKind.ENTERPRISE,
            name=hit.name,
            address=hit.address,
            addresses=hit.addresses,
        )


@strawberry.type(name="GroupError")
class GroupErrorType:
    code: GroupErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: GroupError) -> GroupErrorType:
        return cls(code=GroupErrorCode(exc.code.value), message=exc.message, field=exc.field)


def parse_id(value: str) -> int:
    """An id argument as a number (-1, which matches nothing, when it is not one)."""
    try:
        return int(value)
    except ValueError:
        return -1


def admin_query_error(exc: AdminError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


MailGroupResult = Annotated[MailGroupType | AdminErrorType, strawberry.union("MailGroupResult")]
DeleteMailGroupResult = Annotated[Done | AdminErrorType, strawberry.union("DeleteMailGroupResult")]
PersonalGroupResult = Annotated[
    PersonalGroupType | GroupErrorType, strawberry.union("PersonalGroupResult")
]
DeletePersonalGroupResult = Annotated[
    Done | GroupErrorType, strawberry.union("DeletePersonalGroupResult")
]
