"""Recipient routing: which addresses are local mailboxes, enterprise groups, or external.

``route`` classifies addresses with a few queries whatever their number;
``local_recipients`` turns the local mailboxes and the groups into member ids, expanding
each group to its current members at delivery time.

Role addresses (``ROLES``: postmaster, RFC 5321 4.5.1; abuse, RFC 2142; dmarc, where our
DMARC record sends aggregate reports) exist in every hosted domain: unless a member, alias
or group holds the name, they reach the enterprise's administrators (super administrators
and those with the ``domains`` permission).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailcore.core.models import AdminPermission, AdminRole, Alias, Domain, MailGroup, Member
from mailcore.groups.expand import expand
from mailcore.org.addresses import is_valid_address, normalize_address, split_address


@dataclass
class Routes:
    local: dict[str, int] = field(default_factory=dict)  # address → member id
    groups: dict[str, int] = field(default_factory=dict)  # address → enterprise group id
    external: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # hosted domain, no such member or group
    invalid: list[str] = field(default_factory=list)
    roles: dict[str, list[int]] = field(default_factory=dict)  # role address → admin ids

    def merge(self, other: Routes) -> None:
        """Add another lookup's local and group recipients (SMTP: one RCPT at a time)."""
        self.local.update(other.local)
        self.groups.update(other.groups)
        self.roles.update(other.roles)

    @property
    def deliverable(self) -> bool:
        """Some recipient can be delivered to (locally or outside)."""
        return bool(self.local or self.groups or self.roles or self.external)


ROLES = frozenset({"postmaster", "abuse", "dmarc"})


async def route(addresses: list[str]) -> Routes:
    """Split recipients with a few queries, whatever their number."""
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
    enterprise_of = {name: ent for name, _, ent in rows}
    aliased = await _alias_targets({name: ent for name, is_alias, ent in rows if is_alias})
    canonical = {a: _canonical(a, aliased) for a in wanted}
    in_hosted = [canonical[a] for a in wanted if split_address(a)[1] in hosted]
    owners: dict[str, int] = dict(
        await Member.filter(email__in=in_hosted, enabled=True).values_list("email", "id")
    )
    # An address is a member's, an alias or a group, never two (the directory sees to it):
    # what members answered needs no alias query.
    if unowned := [a for a in in_hosted if a not in owners]:
        aliases = Alias.filter(email__in=unowned, member__enabled=True)
        owners.update(dict(await aliases.values_list("email", "member_id")))
    rest = [a for a in in_hosted if a not in owners]
    groups: dict[str, int] = (
        dict(await MailGroup.filter(email__in=rest).values_list("email", "id")) if rest else {}
    )
    roles = [
        a
        for a in wanted
        if canonical[a] in rest and canonical[a] not in groups and split_address(a)[0] in ROLES
    ]
    admins = await administrators({enterprise_of[split_address(a)[1]] for a in roles})
    for address in wanted:
        local, domain = split_address(address)
        if canonical[address] in owners:
            routes.local[address] = owners[canonical[address]]
        elif canonical[address] in groups:
            routes.groups[address] = groups[canonical[address]]
        elif address in roles and admins.get(enterprise_of[domain]):
            routes.roles[address] = admins[enterprise_of[domain]]
        elif domain in hosted:
            routes.unknown.append(address)
        else:
            routes.external.append(address)
    return routes


async def local_recipients(routes: Routes) -> list[int]:
    """Member ids to deliver to, once each: local mailboxes, then the groups' current members."""
    member_ids = dict.fromkeys(routes.local.values())
    if routes.groups:
        member_ids.update(dict.fromkeys(sorted(await expand(routes.groups.values()))))
    for admins in routes.roles.values():
        member_ids.update(dict.fromkeys(admins))
    return list(member_ids)


async def administrators(enterprise_ids: set[int]) -> dict[int, list[int]]:
    """enterprise id → the enabled administrators a role address reaches."""
    if not enterprise_ids:
        return {}
    rows = (
        await AdminRole.filter(
            enterprise_id__in=enterprise_ids, member__enabled=True, member__deleted_at__isnull=True
        )
        .order_by("member_id")
        .values_list("enterprise_id", "member_id", "is_super", "permissions")
    )
    found: dict[int, list[int]] = {}
    for enterprise_id, member_id, is_super, permissions in rows:
        if is_super or AdminPermission.DOMAINS in (permissions or []):
            found.setdefault(enterprise_id, []).append(member_id)
    return found


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
