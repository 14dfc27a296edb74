"""Personal groups: a member's own named address lists, for quick addressing in compose."""

from __future__ import annotations

from mailcore.core.models import PersonalGroup
from mailcore.groups.errors import GroupError, GroupErrorCode
from mailcore.org.addresses import is_valid_address, normalize_address

MAX_NAME = 64
MAX_ADDRESSES = 500
MAX_GROUPS = 200


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise GroupError(
            GroupErrorCode.INVALID, f"the name needs 1 to {MAX_NAME} characters", "name"
        )
    return name


def _addresses(addresses: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(normalize_address(a) for a in addresses if a.strip()))
    for address in cleaned:
        if not is_valid_address(address):
            raise GroupError(
                GroupErrorCode.INVALID, f"not a valid address: {address!r}", "addresses"
            )
    if len(cleaned) > MAX_ADDRESSES:
        raise GroupError(GroupErrorCode.INVALID, f"at most {MAX_ADDRESSES} addresses", "addresses")
    return cleaned


async def _name_free(member_id: int, name: str, except_id: int | None = None) -> None:
    same = PersonalGroup.filter(member_id=member_id, name=name)
    if except_id is not None:
        same = same.exclude(id=except_id)
    if await same.exists():
        raise GroupError(
            GroupErrorCode.ALREADY_EXISTS, f"you already have a group named {name}", "name"
        )


async def list_personal(member_id: int) -> list[PersonalGroup]:
    return list(await PersonalGroup.filter(member_id=member_id).order_by("name", "id"))


async def get_personal(member_id: int, group_id: int) -> PersonalGroup:
    group = await PersonalGroup.filter(id=group_id, member_id=member_id).first()
    if group is None:
        raise GroupError(GroupErrorCode.NOT_FOUND, "no such personal group", "id")
    return group


async def create_personal(member_id: int, name: str, addresses: list[str]) -> PersonalGroup:
    name = _name(name)
    cleaned = _addresses(addresses)
    await _name_free(member_id, name)
    if await PersonalGroup.filter(member_id=member_id).count() >= MAX_GROUPS:
        raise GroupError(GroupErrorCode.INVALID, f"at most {MAX_GROUPS} personal groups", "name")
    return await PersonalGroup.create(member_id=member_id, name=name, addresses=cleaned)


async def update_personal(
    member_id: int, group_id: int, name: str | None, addresses: list[str] | None
) -> PersonalGroup:
    group = await get_personal(member_id, group_id)
    if name is not None:
        group.name = _name(name)
        await _name_free(member_id, group.name, group.id)
    if addresses is not None:
        group.addresses = _addresses(addresses)
    await group.save()
    return group


async def delete_personal(member_id: int, group_id: int) -> None:
    group = await get_personal(member_id, group_id)
    await group.delete()


async def personal_addresses(member_id: int, group_ids: list[int]) -> list[str]:
    """The addresses of the member's personal groups, in order, once each."""
    wanted = list(dict.fromkeys(group_ids))
    groups = {g.id: g for g in await PersonalGroup.filter(member_id=member_id, id__in=wanted)}
    if len(groups) != len(wanted):
        raise GroupError(GroupErrorCode.NOT_FOUND, "no such personal group", "personalGroupIds")
    return list(dict.fromkeys(a for gid in wanted for a in groups[gid].addresses))
