"""Recipient routing: which addresses are local mailboxes, which leave the company."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailcore.models import Alias, Domain, Member
from mailcore.org.addresses import is_valid_address, normalize_address, split_address


@dataclass
class Routes:
    local: dict[str, int] = field(default_factory=dict)  # address → member id
    external: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # hosted domain, no such member
    invalid: list[str] = field(default_factory=list)


async def route(addresses: list[str]) -> Routes:
    """Split recipients with three queries, whatever their number."""
    routes = Routes()
    wanted = []
    for raw in addresses:
        address = normalize_address(raw)
        if not is_valid_address(address):
            routes.invalid.append(raw)
        elif address not in wanted:
            wanted.append(address)
    domains = {split_address(a)[1] for a in wanted}
    rows = await Domain.filter(name__in=domains).values_list("name", "is_alias", "enterprise_id")
    hosted = {name for name, _, _ in rows}
    aliased = await _alias_targets({name: ent for name, is_alias, ent in rows if is_alias})
    canonical = {a: _canonical(a, aliased) for a in wanted}
    in_hosted = [canonical[a] for a in wanted if split_address(a)[1] in hosted]
    owners: dict[str, int] = dict(
        await Member.filter(email__in=in_hosted, enabled=True).values_list("email", "id")
    )
    owners.update(
        dict(
            await Alias.filter(email__in=in_hosted, member__enabled=True).values_list(
                "email", "member_id"
            )
        )
    )
    for address in wanted:
        if canonical[address] in owners:
            routes.local[address] = owners[canonical[address]]
        elif split_address(address)[1] in hosted:
            routes.unknown.append(address)
        else:
            routes.external.append(address)
    return routes


async def _alias_targets(alias_domains: dict[str, int]) -> dict[str, str]:
    """alias domain → the primary domain of its enterprise."""
    if not alias_domains:
        return {}
    primaries = dict(
        await Domain.filter(
            enterprise_id__in=set(alias_domains.values()), is_primary=True
        ).values_list("enterprise_id", "name")
    )
    return {alias: primaries[ent] for alias, ent in alias_domains.items() if ent in primaries}


def _canonical(address: str, aliased: dict[str, str]) -> str:
    """local@alias-domain is local@primary-domain; other addresses are themselves."""
    local, domain = split_address(address)
    return f"{local}@{aliased[domain]}" if domain in aliased else address
