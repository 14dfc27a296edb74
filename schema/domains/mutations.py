"""Mutations of the domains schema: add/remove (super admins), rotate DKIM, verify DNS."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.dns import open_resolver
from mailcore.domains import service
from schema.admin.types import AdminErrorType, Done
from schema.domains.types import (
    DomainKind,
    DomainResult,
    DomainType,
    DomainVerification,
    RemoveDomainResult,
    VerifyDomainResult,
)
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.type
class DomainsMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Host another domain: EXTRA (own addresses) or ALIAS of the primary domain.",
    )
    async def add_domain(
        self, info: Info, name: str, kind: DomainKind = DomainKind.EXTRA
    ) -> DomainResult:
        scope = await info.context.require_admin()
        try:
            if kind == DomainKind.PRIMARY:
                raise AdminError(
                    AdminErrorCode.INVALID, "an enterprise has one primary domain", "kind"
                )
            domain = await service.add_domain(scope, name, alias=kind == DomainKind.ALIAS)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return DomainType(domain=domain)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def remove_domain(self, info: Info, name: str) -> RemoveDomainResult:
        scope = await info.context.require_admin()
        try:
            await service.remove_domain(scope, name)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="A new DKIM key under a new selector (publish it, then verify again).",
    )
    async def rotate_dkim(self, info: Info, domain: str) -> DomainResult:
        scope = await info.context.require_admin()
        try:
            return DomainType(domain=await service.rotate_dkim(scope, domain))
        except AdminError as exc:
            return AdminErrorType.of(exc)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Look the domain's DNS records up now and store the result.",
    )
    async def verify_domain(self, info: Info, domain: str) -> VerifyDomainResult:
        ctx = info.context
        scope = await ctx.require_admin()
        settings = ctx.runtime.settings
        try:
            result = await service.verify_domain(scope, domain, open_resolver(settings), settings)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return DomainVerification.of(result)
