"""The set-up documents for an address or a member: what the api routes call."""

from __future__ import annotations

from mailcore.clients import autoconfig, autodiscover, mobileconfig
from mailcore.clients.endpoints import client_setup, for_member
from mailcore.clients.errors import SetupError, SetupErrorCode
from mailcore.clients.lookup import checked_address, hosted_domain, login_name
from mailcore.core.config import Settings
from mailcore.core.models import Enterprise, Member


async def autoconfig_document(settings: Settings, address: str | None) -> bytes:
    """Thunderbird's clientConfig for the domain of ``address``."""
    domain = await hosted_domain(checked_address(address))
    return autoconfig.autoconfig_xml(client_setup(settings), domain)


async def autodiscover_document(settings: Settings, body: bytes) -> bytes:
    """Outlook's answer to an autodiscover request ``body``."""
    request = autodiscover.parse_request(body)
    address = checked_address(request.email)
    domain = await hosted_domain(address)
    autodiscover.check_schema(request)
    setup = client_setup(settings)
    if not setup.endpoints:
        raise SetupError(SetupErrorCode.NOT_OFFERED, "no mail-client servers are on")
    return autodiscover.response_xml(setup, login_name(address, domain), address)


async def apple_profile(settings: Settings, member_id: int) -> tuple[str, bytes]:
    """The signed-in member's .mobileconfig: (file name, content)."""
    member = await Member.get(id=member_id)
    enterprise = await Enterprise.get(id=member.enterprise_id)
    setup = for_member(client_setup(settings), imap=member.imap_enabled, pop3=member.pop_enabled)
    content = mobileconfig.profile(
        setup, email=member.email, name=member.name, organization=enterprise.name
    )
    return f"{member.email.split('@')[-1]}.mobileconfig", content
