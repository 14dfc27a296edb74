"""``mailClientSetup``: the signed-in member's servers, ports and user name for mail clients."""

from __future__ import annotations

from enum import StrEnum

import strawberry
from strawberry.types import Info

from mailcore.clients.endpoints import Protocol, Security, client_setup, for_member
from schema.permissions import IsAuthenticated

MailProtocol = strawberry.enum(StrEnum("MailProtocol", {p.name: p.value for p in Protocol}))
MailSecurity = strawberry.enum(StrEnum("MailSecurity", {s.name: s.value for s in Security}))


@strawberry.type
class MailServer:
    protocol: MailProtocol
    security: MailSecurity = strawberry.field(
        description="SSL: TLS from the first byte; STARTTLS: upgraded after connecting."
    )
    port: int


@strawberry.type
class MailClientSetup:
    host: str = strawberry.field(description="The server name for every protocol.")
    username: str = strawberry.field(description="The user name: the full address.")
    servers: list[MailServer] = strawberry.field(
        description="The servers that are on and that you may use (IMAP and POP3 can be "
        "turned off per member), implicit TLS before STARTTLS per protocol."
    )
    mobileconfig_url: str = strawberry.field(
        description="Apple profile download, signed for you for a few minutes."
    )


@strawberry.type
class ClientsQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="How to set up a mail client (IMAP, POP3, SMTP) for your own mailbox.",
    )
    async def mail_client_setup(self, info: Info) -> MailClientSetup:
        ctx = info.context
        member = ctx.identity.member
        setup = for_member(
            client_setup(ctx.runtime.settings), imap=member.imap_enabled, pop3=member.pop_enabled
        )
        return MailClientSetup(
            host=setup.host,
            username=member.email,
            servers=[
                MailServer(
                    protocol=MailProtocol(e.protocol.value),
                    security=MailSecurity(e.security.value),
                    port=e.port,
                )
                for e in setup.endpoints
            ],
            mobileconfig_url=await ctx.download_url("/clients/apple.mobileconfig"),
        )
