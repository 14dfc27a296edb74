"""Queries of the domains schema (permission ``domains``)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.domains import service
from schema.domains.types import DnsRecordType, DomainType, admin_query_error, record_types
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.type
class DomainsQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="The enterprise's domains: primary, extra and alias domains.",
    )
    async def domains(self, info: Info) -> list[DomainType]:
        scope = await info.context.require_admin()
        try:
            return [DomainType(domain=d) for d in await service.list_domains(scope)]
        except AdminError as exc:
            raise admin_query_error(exc) from exc

    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="The DNS records to set for a domain, with the result of the last check.",
    )
    async def dns_records(self, info: Info, domain: str) -> list[DnsRecordType]:
        ctx = info.context
        scope = await ctx.require_admin()
        try:
            return record_types(await service.dns_records(scope, domain, ctx.runtime.settings))
        except AdminError as exc:
            raise admin_query_error(exc) from exc
