"""Managing who has which role on a space or a folder (managers only): grant (or change) a
role for a member, a department or a mail group of the same enterprise, and revoke it."""

from __future__ import annotations

from mailcore.core.models import (
    Department,
    MailGroup,
    Member,
    NetdiskGrant,
    NetdiskRole,
    NodeKind,
    PrincipalKind,
    Space,
)
from mailcore.netdisk import nodes
from mailcore.netdisk.access import Principals
from mailcore.netdisk.errors import NetdiskError, NetdiskErrorCode

MODELS = {PrincipalKind.MEMBER: Member, PrincipalKind.DEPARTMENT: Department}


async def listed(who: Principals, space_id: int, folder_id: int | None) -> list[NetdiskGrant]:
    """The grants on a space (``folder_id`` None) or a folder; viewers may read them."""
    space, _ = await nodes.folder_for(who, space_id, folder_id, NetdiskRole.VIEWER)
    return list(await NetdiskGrant.filter(space_id=space.id, node_id=folder_id).order_by("id"))


async def grant(
    who: Principals,
    space_id: int,
    folder_id: int | None,
    kind: PrincipalKind,
    principal_id: int,
    role: NetdiskRole,
) -> NetdiskGrant:
    space, folder = await nodes.folder_for(who, space_id, folder_id, NetdiskRole.MANAGER)
    if folder is not None and folder.kind != NodeKind.FOLDER:
        raise NetdiskError(NetdiskErrorCode.NOT_A_FOLDER, "grants are on folders", "folderId")
    model = MailGroup if kind == PrincipalKind.GROUP else MODELS[kind]
    if not await model.filter(id=principal_id, enterprise_id=space.enterprise_id).exists():  # type: ignore[attr-defined]
        raise NetdiskError(
            NetdiskErrorCode.BAD_ROLE, f"no such {kind.value} in your company", "principalId"
        )
    found = await NetdiskGrant.get_or_none(
        space_id=space.id, node_id=folder_id, principal_kind=kind, principal_id=principal_id
    )
    if found is None:
        return await NetdiskGrant.create(
            space=space, node=folder, principal_kind=kind, principal_id=principal_id, role=role
        )
    found.role = role
    await found.save(update_fields=["role"])
    return found


async def revoke(who: Principals, grant_id: int) -> NetdiskGrant:
    found = await NetdiskGrant.get_or_none(id=grant_id)
    if found is None:
        raise NetdiskError(NetdiskErrorCode.NOT_FOUND, "no such grant", "id")
    space = await Space.get(id=found.space_id)  # type: ignore[attr-defined]
    folder_id = found.node_id  # type: ignore[attr-defined]
    await nodes.folder_for(who, space.id, folder_id, NetdiskRole.MANAGER)
    if (
        space.kind != "personal"
        and found.principal_kind == PrincipalKind.MEMBER
        and found.principal_id == who.member_id
        and found.role == NetdiskRole.MANAGER
        and folder_id is None
        and await NetdiskGrant.filter(
            space_id=space.id, node_id=None, role=NetdiskRole.MANAGER
        ).count()
        == 1
    ):
        raise NetdiskError(
            NetdiskErrorCode.FORBIDDEN, "a space keeps at least one manager: grant another first"
        )
    await found.delete()
    return found
