"""Mutations of the branding schema: login pages and the company signature (permission
``branding``), and members' own signatures."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.branding import login, signature
from mailcore.branding.errors import BrandingError
from mailcore.branding.images import MAX_IMAGE_BYTES, ImageKind
from mailcore.org.service import get_member
from schema.admin.types import AdminErrorType
from schema.branding.types import (
    BrandingErrorType,
    BrandingImageKind,
    LoginBrandingInput,
    LoginBrandingResult,
    LoginBrandingType,
    MySignatureResult,
    MySignatureType,
    SignatureTemplateResult,
    SignatureTemplateType,
)
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.type
class BrandingMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def set_login_branding(
        self, info: Info, domain: str, input: LoginBrandingInput
    ) -> LoginBrandingResult:
        scope = await info.context.require_admin()
        try:
            view = await login.set_branding(
                scope,
                domain,
                title=input.title,
                text=input.text,
                primary_color=input.primary_color,
                background_color=input.background_color,
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return LoginBrandingType.of(view)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Upload the logo or background (PNG/JPEG, at most 512 KB); null removes it.",
    )
    async def upload_branding_image(
        self, info: Info, domain: str, kind: BrandingImageKind, file: Upload | None = None
    ) -> LoginBrandingResult:
        ctx = info.context
        scope = await ctx.require_admin()
        data = await file.read(MAX_IMAGE_BYTES + 1) if file is not None else None
        try:
            view = await login.set_image(
                scope, ctx.runtime.blobs, domain, ImageKind(kind.value), data
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return LoginBrandingType.of(view)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def set_signature_template(
        self, info: Info, html: str, enforced: bool = False
    ) -> SignatureTemplateResult:
        ctx = info.context
        scope = await ctx.require_admin()
        try:
            view = await signature.set_template(
                scope, html, enforced=enforced, viewer=ctx.identity.member
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return SignatureTemplateType.of(view)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Set your own signature (HTML, sanitized); an empty one means none.",
    )
    async def set_my_signature(self, info: Info, html: str) -> MySignatureResult:
        member = await get_member(info.context.member_id)
        try:
            return MySignatureType.of(await signature.set_own(member, html))
        except BrandingError as exc:
            return BrandingErrorType.of(exc)
