"""Types of the branding schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.branding.errors import BrandingError
from mailcore.branding.errors import BrandingErrorCode as CoreCode
from mailcore.branding.login import BrandingView
from mailcore.branding.signature import MySignature, TemplateView
from schema.admin.types import AdminErrorType

BrandingErrorCode = strawberry.enum(
    StrEnum("BrandingErrorCode", {c.name: c.value for c in CoreCode})
)


@strawberry.enum
class BrandingImageKind(StrEnum):
    LOGO = "logo"
    BACKGROUND = "background"


@strawberry.type(name="BrandingError")
class BrandingErrorType:
    code: BrandingErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: BrandingError) -> BrandingErrorType:
        return cls(code=BrandingErrorCode(exc.code.value), message=exc.message, field=exc.field)


@strawberry.type(name="LoginBranding")
class LoginBrandingType:
    domain: str
    title: str
    text: str
    logo_url: str | None
    background_url: str | None
    primary_color: str
    background_color: str

    @classmethod
    def of(cls, view: BrandingView) -> LoginBrandingType:
        return cls(
            domain=view.domain,
            title=view.title,
            text=view.text,
            logo_url=view.logo_url or None,
            background_url=view.background_url or None,
            primary_color=view.primary_color,
            background_color=view.background_color,
        )


@strawberry.input
class LoginBrandingInput:
    """Fields left out (null) stay as they are."""

    title: str | None = None
    text: str | None = None
    primary_color: str | None = strawberry.field(default=None, description="#rrggbb")
    background_color: str | None = strawberry.field(default=None, description="#rrggbb")


@strawberry.type(name="SignatureTemplate")
class SignatureTemplateType:
    html: str = strawberry.field(
        description="Placeholders: {name} {position} {department} {mobile} {tel} {email} {company}"
    )
    enforced: bool
    preview: str = strawberry.field(description="The template filled in for you.")

    @classmethod
    def of(cls, view: TemplateView) -> SignatureTemplateType:
        return cls(html=view.html, enforced=view.enforced, preview=view.preview)


@strawberry.type(name="MySignature")
class MySignatureType:
    own: str | None = strawberry.field(description="The signature you set (null: never set).")
    enforced: bool = strawberry.field(description="The company signature replaces yours.")
    html: str | None = strawberry.field(description="What your mail gets; null: nothing.")
    text: str | None

    @classmethod
    def of(cls, mine: MySignature) -> MySignatureType:
        return cls(
            own=mine.own,
            enforced=mine.enforced,
            html=mine.effective.html if mine.effective else None,
            text=mine.effective.text if mine.effective else None,
        )


LoginBrandingResult = Annotated[
    LoginBrandingType | AdminErrorType, strawberry.union("LoginBrandingResult")
]
SignatureTemplateResult = Annotated[
    SignatureTemplateType | AdminErrorType, strawberry.union("SignatureTemplateResult")
]
MySignatureResult = Annotated[
    MySignatureType | BrandingErrorType, strawberry.union("MySignatureResult")
]
