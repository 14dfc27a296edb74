"""Which hosted domain an address belongs to, and the login name its members use.

Only the domain is looked up, never the mailbox: the answer is the same for every address
of a domain, so the set-up documents do not tell who has an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.clients.errors import SetupError, SetupErrorCode
from mailcore.core.models import Domain, Enterprise
from mailcore.org.addresses import is_valid_address, normalize_domain, split_address


@dataclass(frozen=True)
class HostedDomain:
    name: str
    login_domain: str  # an alias domain's members sign in with the primary domain
    organization: str  # the enterprise's name


def checked_address(text: str | None) -> str:
    """``text`` as a normalised address, or INVALID_ADDRESS."""
    if not text or len(text) > 320 or "\x00" in text or not is_valid_address(text):
        raise SetupError(SetupErrorCode.INVALID_ADDRESS, "give a valid e-mail address")
    local, domain = split_address(text)
    return f"{local}@{normalize_domain(domain)}"


async def hosted_domain(address: str) -> HostedDomain:
    """The hosted domain of a normalised ``address``, or UNKNOWN_DOMAIN."""
    _, name = split_address(address)
    domain = await Domain.filter(name=name).first()
    if domain is None:
        raise SetupError(SetupErrorCode.UNKNOWN_DOMAIN, f"{name} is not hosted here")
    enterprise = await Enterprise.get(id=domain.enterprise_id)
    login_domain = name
    if domain.is_alias:
        primary = await Domain.filter(enterprise_id=domain.enterprise_id, is_primary=True).first()
        login_domain = primary.name if primary else name
    return HostedDomain(name, login_domain, enterprise.name)


def login_name(address: str, domain: HostedDomain) -> str:
    """What the member types as user name: the address, on the primary domain for an alias."""
    local, _ = split_address(address)
    return f"{local}@{domain.login_domain}"
