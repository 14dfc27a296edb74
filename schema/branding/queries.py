"""Queries of the branding schema: the public login branding, signatures, my business card."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.branding import card, login, signature
from mailcore.org.service import get_member
from schema.branding.types import LoginBrandingType, MySignatureType, SignatureTemplateType
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.type
class BrandingQuery:
    @strawberry.field(
        description="The login page branding of a domain; public. Unknown domains get the defaults."
    )
    async def login_branding(self, domain: str) -> LoginBrandingType:
        return LoginBrandingType.of(await login.public_branding(domain[:253]))

    @strawberry.field(permission_classes=[IsAuthenticated, IsAdmin])
    async def signature_template(self, info: Info) -> SignatureTemplateType:
        ctx = info.context
        scope = await ctx.require_admin()
        try:
            view = await signature.get_template(scope, ctx.identity.member)
        except AdminError as exc:
            raise GraphQLError(
                exc.message, extensions={"code": exc.code.value, "field": exc.field}
            ) from exc
        return SignatureTemplateType.of(view)

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def my_signature(self, info: Info) -> MySignatureType:
        member = await get_member(info.context.member_id)
        return MySignatureType.of(await signature.my_signature(member))

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your business card as vCard 3.0 text (also at /cards/<email>.vcf).",
    )
    async def my_card(self, info: Info) -> str:
        return await card.vcard(await get_member(info.context.member_id))
