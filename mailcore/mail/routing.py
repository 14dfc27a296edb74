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
    hosted = set(await Domain.filter(name__in=domains).values_list("name", flat=True))
    in_hosted = [a for a in wanted if split_address(a)[1] in hosted]
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
        if address in owners:
            routes.local[address] = owners[address]
        elif split_address(address)[1] in hosted:
            routes.unknown.append(address)
        else:
            routes.external.append(address)
    return routes
