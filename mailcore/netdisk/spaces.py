"""Spaces: a member's personal space (made on first use, with the member netdisk quota) and
shared ones (company, department, project), their quotas and how many versions they keep."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from mailcore.core.models import (
    Department,
    Member,
    NetdiskGrant,
    NetdiskRole,
    PrincipalKind,
    Space,
    SpaceKind,
)
from mailcore.netdisk.errors import NetdiskError, NetdiskErrorCode
from mailcore.netdisk.names import clean_name

MAX_KEEP_VERSIONS = 100


async def personal_space(member: Member, quota: int) -> Space:
    """The member's personal space, made with ``quota`` bytes when it does not exist yet."""
    space = await Space.get_or_none(kind=SpaceKind.PERSONAL, owner_id=member.id)
    if space is not None:
        return space
    try:
        return await Space.create(
            enterprise_id=member.enterprise_id,  # type: ignore[attr-defined]
            kind=SpaceKind.PERSONAL,
            name=member.name or member.email,
            owner_id=member.id,
            quota_bytes=quota,
        )
    except IntegrityError:  # made by a request of the same member just now
        return await Space.get(kind=SpaceKind.PERSONAL, owner_id=member.id)


async def create_space(
    member: Member, kind: SpaceKind, name: str, department_id: int | None = None
) -> Space:
    """A shared space of the member's enterprise; the member becomes its manager (admins
    make company and department spaces, any member a project space: the schema checks)."""
    if kind == SpaceKind.PERSONAL:
        raise NetdiskError(NetdiskErrorCode.FORBIDDEN, "personal spaces are made by themselves")
    name = clean_name(name)
    department = None
    if kind == SpaceKind.DEPARTMENT:
        department = await Department.get_or_none(
            id=department_id or 0,
            enterprise_id=member.enterprise_id,  # type: ignore[attr-defined]
        )
        if department is None:
            raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such department", "departmentId")
    space = await Space.create(
        enterprise_id=member.enterprise_id,  # type: ignore[attr-defined]
        kind=kind,
        name=name,
        department=department,
    )
    await NetdiskGrant.create(
        space=space,
        principal_kind=PrincipalKind.MEMBER,
        principal_id=member.id,
        role=NetdiskRole.MANAGER,
    )
    return space


async def set_keep_versions(space: Space, keep: int) -> Space:
    if not 1 <= keep <= MAX_KEEP_VERSIONS:
        raise NetdiskError(
            NetdiskErrorCode.FORBIDDEN, f"keep 1 to {MAX_KEEP_VERSIONS} versions", "keep"
        )
    space.keep_versions = keep
    await space.save(update_fields=["keep_versions"])
    return space


async def set_quota(space: Space, quota: int) -> Space:
    """The space's quota in bytes (0: none); lowering it below what is used only stops new
    uploads."""
    space.quota_bytes = max(0, quota)
    await space.save(update_fields=["quota_bytes"])
    return space


async def add_used(space_id: int, size: int) -> None:
    await Space.filter(id=space_id).update(used_bytes=F("used_bytes") + size)


def room(space: Space, reserved: int = 0) -> int | None:
    """Bytes still free in the space after ``reserved`` (None: no quota)."""
    if space.quota_bytes <= 0:
        return None
    return space.quota_bytes - space.used_bytes - reserved
