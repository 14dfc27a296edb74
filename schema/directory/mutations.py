"""All directory mutations, one type for the merged schema."""

from __future__ import annotations

import strawberry

from schema.directory.departments import DepartmentMutation
from schema.directory.importing import ImportMutation
from schema.directory.members import MemberMutation


@strawberry.type
class DirectoryMutation(DepartmentMutation, MemberMutation, ImportMutation):
    pass
