"""The department tree's root: every enterprise has exactly one, created with it."""

from __future__ import annotations

from mailcore.core.models import Department, DepartmentMember, Enterprise


async def root_department(enterprise_id: int) -> Department:
    """The enterprise's root department (created on first use for older enterprises)."""
    root = await Department.filter(enterprise_id=enterprise_id, parent_id=None).first()
    if root is None:
        enterprise = await Enterprise.get(id=enterprise_id)
        root = await Department.create(enterprise_id=enterprise_id, name=enterprise.name[:64])
    return root


async def place_in_root(member_id: int, enterprise_id: int) -> None:
    """Put a member with no department into the root department."""
    if not await DepartmentMember.filter(member_id=member_id).exists():
        root = await root_department(enterprise_id)
        await DepartmentMember.create(department_id=root.id, member_id=member_id)
