"""What an address is in an enterprise (Exmail's ``user/batchcheck``)."""

from __future__ import annotations

from enum import IntEnum

from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, Alias, Domain, MailGroup, Member
from mailcore.org.addresses import is_valid_address, normalize_address, split_address

MAX_CHECK = 500


class AddressKind(IntEnum):
    INVALID = -1  # not an address in a (non-alias) domain of the enterprise
    AVAILABLE = 0
    MEMBER = 1
    ALIAS = 2
    GROUP = 3


async def address_kinds(scope: AdminScope, addresses: list[str]) -> list[AddressKind]:
    scope.require(AdminPermission.MEMBERS)
    wanted = [normalize_address(a) for a in addresses[:MAX_CHECK]]
    domains = set(
        await Domain.filter(enterprise_id=scope.enterprise_id, is_alias=False).values_list(
            "name", flat=True
        )
    )
    valid = {a for a in wanted if is_valid_address(a) and split_address(a)[1] in domains}
    members = set(await Member.filter(email__in=valid).values_list("email", flat=True))
    aliases = set(await Alias.filter(email__in=valid).values_list("email", flat=True))
    groups = set(await MailGroup.filter(email__in=valid).values_list("email", flat=True))
    kinds = []
    for address in wanted:
        if address not in valid:
            kinds.append(AddressKind.INVALID)
        elif address in members:
            kinds.append(AddressKind.MEMBER)
        elif address in aliases:
            kinds.append(AddressKind.ALIAS)
        elif address in groups:
            kinds.append(AddressKind.GROUP)
        else:
            kinds.append(AddressKind.AVAILABLE)
    return kinds
