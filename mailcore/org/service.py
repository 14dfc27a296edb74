"""Organisation services: domains, members, aliases and address lookup."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from mailcore.core.models import Alias, Domain, Enterprise, Member
from mailcore.directory.keys import search_key
from mailcore.directory.tree import place_in_root, root_department
from mailcore.domains.dkim import generate_key_pair
from mailcore.org.addresses import (
    address_problem,
    domain_problem,
    normalize_address,
    normalize_domain,
    split_address,
)
from mailcore.org.errors import OrgError, OrgErrorCode
from mailcore.org.passwords import hash_password
from mailcore.store.folders import ensure_system_folders

MIN_PASSWORD_LENGTH = 8


async def add_domain(
    name: str,
    enterprise_name: str | None = None,
    *,
    alias_of: str | None = None,
    enterprise_id: int | None = None,
) -> Domain:
    """Host a new domain, with its DKIM key; a new enterprise is created for it unless one
    is named (``enterprise_name``) or given (``enterprise_id``).

    ``alias_of`` makes it an alias domain of that (primary) domain's enterprise: mail to
    local@alias reaches local@primary.
    """
    name = normalize_domain(name)  # U-labels: a domain given as xn--… is stored as such
    if problem := domain_problem(name):
        raise OrgError(
            OrgErrorCode.INVALID, f"not a valid domain name: {name!r}: {problem}", "name"
        )
    if await Domain.filter(name=name).exists():
        raise OrgError(OrgErrorCode.ALREADY_EXISTS, f"domain {name} is already hosted", "name")
    private_key, public_key = await generate_key_pair()
    keys = {"dkim_private_key": private_key, "dkim_public_key": public_key}
    if alias_of:
        primary = await Domain.filter(name=normalize_domain(alias_of)).first()
        if primary is None or not primary.is_primary:
            raise OrgError(OrgErrorCode.NOT_FOUND, f"{alias_of} is not a primary domain", "aliasOf")
        return await Domain.create(
            enterprise_id=primary.enterprise_id, name=name, is_alias=True, **keys
        )
    async with in_transaction():
        enterprise = None
        if enterprise_id is not None:
            enterprise = await Enterprise.get_or_none(id=enterprise_id)
            if enterprise is None:
                raise OrgError(OrgErrorCode.NOT_FOUND, "no such enterprise", "enterprise")
        elif enterprise_name:
            enterprise = await Enterprise.filter(name=enterprise_name).first()
        is_primary = enterprise is None
        if enterprise is None:
            enterprise = await Enterprise.create(name=enterprise_name or name)
            await root_department(enterprise.id)
        return await Domain.create(enterprise=enterprise, name=name, is_primary=is_primary, **keys)


async def add_member(
    email: str,
    password: str,
    *,
    name: str = "",
    vip: bool = False,
    quota: int,
) -> Member:
    """Create a member in a hosted domain, with the system folders."""
    email = normalize_address(email)
    if problem := address_problem(email):
        raise OrgError(OrgErrorCode.INVALID, f"not a valid address: {email!r}: {problem}", "email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OrgError(
            OrgErrorCode.INVALID,
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            "password",
        )
    _, domain_name = split_address(email)
    domain = await Domain.filter(name=domain_name).first()
    if domain is None:
        raise OrgError(OrgErrorCode.DOMAIN_NOT_HOSTED, f"{domain_name} is not hosted here", "email")
    if await find_member(email) is not None:
        raise OrgError(OrgErrorCode.ALREADY_EXISTS, f"{email} already exists", "email")
    async with in_transaction():
        member = await Member.create(
            enterprise_id=domain.enterprise_id,
            domain=domain,
            email=email,
            name=name or email.split("@")[0],
            password_hash=hash_password(password),
            is_vip=vip,
            quota_bytes=quota,
            search_key=search_key(name or email.split("@")[0], email),
        )
        await ensure_system_folders(member.id)
        await place_in_root(member.id, member.enterprise_id)
    return member


async def add_alias(member: Member, alias: str) -> Alias:
    alias = normalize_address(alias)
    if problem := address_problem(alias):
        raise OrgError(OrgErrorCode.INVALID, f"not a valid address: {alias!r}: {problem}", "alias")
    _, domain_name = split_address(alias)
    domain = await Domain.filter(name=domain_name, enterprise_id=member.enterprise_id).first()
    if domain is None:
        raise OrgError(
            OrgErrorCode.DOMAIN_NOT_HOSTED,
            f"{domain_name} is not a domain of this enterprise",
            "alias",
        )
    if await find_member(alias) is not None:
        raise OrgError(OrgErrorCode.ALREADY_EXISTS, f"{alias} already exists", "alias")
    return await Alias.create(member=member, email=alias)


async def find_member(address: str) -> Member | None:
    """The member an address belongs to: their own address or one of their aliases."""
    address = normalize_address(address)
    if not address or "\x00" in address:
        return None
    member = await Member.filter(email=address).first()
    if member is None:
        alias = await Alias.filter(email=address).select_related("member").first()
        member = alias.member if alias else None
    return member


async def is_hosted_domain(domain: str) -> bool:
    return await Domain.filter(name=normalize_domain(domain)).exists()


async def member_addresses(member_id: int) -> set[str]:
    member = await Member.get(id=member_id)
    aliases = await Alias.filter(member_id=member_id).values_list("email", flat=True)
    return {member.email, *aliases}


async def get_member(member_id: int) -> Member:
    return await Member.get(id=member_id)


async def set_conversation_mode(member_id: int, enabled: bool) -> Member:
    await Member.filter(id=member_id).update(conversation_mode=enabled)
    return await get_member(member_id)
