"""Members' extra addresses (aliases), as admins add and remove them.

An alias lives in a primary or extra domain of the member's enterprise and is unique across
members, aliases and mail groups. Mail to it reaches the member.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import Alias, Member
from mailcore.directory.members import MEMBERS, hosted_address, require_free
from mailcore.org.addresses import normalize_address

MAX_ALIASES = 50


async def member_aliases(member_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {pk: [] for pk in member_ids}
    if member_ids:
        rows = await Alias.filter(member_id__in=member_ids).order_by("email")
        for alias in rows:
            found[alias.member_id].append(alias.email)
    return found


async def add_alias(scope: AdminScope, member: Member, alias: str) -> Alias:
    await scope.require_member(MEMBERS, member)
    address, _ = await hosted_address(scope, alias, "alias")
    await require_free(address, "alias")
    if await Alias.filter(member_id=member.id).count() >= MAX_ALIASES:
        raise AdminError(
            AdminErrorCode.INVALID, f"a member has at most {MAX_ALIASES} aliases", "alias"
        )
    async with in_transaction():
        created = await Alias.create(member_id=member.id, email=address)
        await record(scope, "member.alias_add", member.email, alias=address)
    return created


async def remove_alias(scope: AdminScope, member: Member, alias: str) -> None:
    await scope.require_member(MEMBERS, member)
    address = normalize_address(alias)
    async with in_transaction():
        deleted = await Alias.filter(member_id=member.id, email=address).delete()
        if not deleted:
            raise AdminError(
                AdminErrorCode.NOT_FOUND, f"{member.email} has no alias {alias[:254]}", "alias"
            )
        await record(scope, "member.alias_remove", member.email, alias=address)
