"""Branded login pages: per-domain title, text, images and colours (permission ``branding``).

``public_branding`` is readable by anyone: an unknown domain gets the defaults, the same as
a hosted domain that has set nothing, so it reveals nothing. A domain without its own
branding shows its enterprise's primary domain's branding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.branding.images import ImageKind, blob_key_of, check_image, image_type, image_url
from mailcore.core.blobs import BlobStore
from mailcore.core.models import AdminPermission, Domain, LoginBranding
from mailcore.org.addresses import is_valid_domain, normalize_domain

DEFAULT_TITLE = "Qiyou 企邮"
DEFAULT_PRIMARY = "#0052d9"
DEFAULT_BACKGROUND = "#f3f5f8"
MAX_TITLE = 100
MAX_TEXT = 2000
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class BrandingView:
    domain: str
    title: str = DEFAULT_TITLE
    text: str = ""
    logo_url: str = ""
    background_url: str = ""
    primary_color: str = DEFAULT_PRIMARY
    background_color: str = DEFAULT_BACKGROUND

    @classmethod
    def of(cls, domain: str, row: LoginBranding) -> BrandingView:
        return cls(
            domain=domain,
            title=row.title or DEFAULT_TITLE,
            text=row.text,
            logo_url=row.logo_url,
            background_url=row.background_url,
            primary_color=row.primary_color,
            background_color=row.background_color,
        )

    def as_json(self) -> dict[str, str]:
        return {
            "domain": self.domain,
            "title": self.title,
            "text": self.text,
            "logoUrl": self.logo_url,
            "backgroundUrl": self.background_url,
            "primaryColor": self.primary_color,
            "backgroundColor": self.background_color,
        }


async def public_branding(domain_name: str) -> BrandingView:
    name = normalize_domain(domain_name or "")
    if not is_valid_domain(name):
        return BrandingView(domain="")
    domain = await Domain.filter(name=name).first()
    if domain is None:
        return BrandingView(domain=name)
    row = await LoginBranding.filter(domain_id=domain.id).first()
    if row is None and not domain.is_primary:
        row = await LoginBranding.filter(
            domain__enterprise_id=domain.enterprise_id, domain__is_primary=True
        ).first()
    return BrandingView.of(name, row) if row else BrandingView(domain=name)


async def _domain(scope: AdminScope, name: str) -> Domain:
    scope.require(AdminPermission.BRANDING)
    domain = await Domain.filter(name=normalize_domain(name)).first()
    if domain is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no domain {name}", "domain")
    scope.require_enterprise(domain.enterprise_id)
    return domain


def _color(value: str, field: str) -> str:
    if not _COLOR.match(value):
        raise AdminError(AdminErrorCode.INVALID, f"{value!r} is not a colour like #1a2b3c", field)
    return value.lower()


def _bounded(value: str, limit: int, field: str) -> str:
    if len(value) > limit:
        raise AdminError(AdminErrorCode.INVALID, f"at most {limit} characters", field)
    return value.replace("\x00", "")


async def set_branding(
    scope: AdminScope,
    domain_name: str,
    *,
    title: str | None = None,
    text: str | None = None,
    primary_color: str | None = None,
    background_color: str | None = None,
) -> BrandingView:
    """Change the given fields of a domain's login page (None leaves a field as it is)."""
    domain = await _domain(scope, domain_name)
    changes: dict[str, str] = {}
    if title is not None:
        changes["title"] = _bounded(title.strip(), MAX_TITLE, "title")
    if text is not None:
        changes["text"] = _bounded(text, MAX_TEXT, "text")
    if primary_color is not None:
        changes["primary_color"] = _color(primary_color, "primaryColor")
    if background_color is not None:
        changes["background_color"] = _color(background_color, "backgroundColor")
    async with in_transaction():
        row, _ = await LoginBranding.get_or_create(domain_id=domain.id)
        if changes:
            await LoginBranding.filter(id=row.id).update(**changes)
            await row.refresh_from_db()
        await record(scope, "branding.set", domain.name, **changes)
    return BrandingView.of(domain.name, row)


async def set_image(
    scope: AdminScope, blobs: BlobStore, domain_name: str, kind: ImageKind, data: bytes | None
) -> BrandingView:
    """Store a logo or background (PNG/JPEG ≤ 512 KB); ``None`` removes it."""
    domain = await _domain(scope, domain_name)
    url = ""
    if data is not None:
        check_image(data)
        url = image_url(domain.name, kind, await blobs.put(data))
    column = "logo_url" if kind == ImageKind.LOGO else "background_url"
    async with in_transaction():
        row, _ = await LoginBranding.get_or_create(domain_id=domain.id)
        await LoginBranding.filter(id=row.id).update(**{column: url})
        await row.refresh_from_db()
        await record(scope, f"branding.{kind.value}", domain.name, removed=data is None)
    return BrandingView.of(domain.name, row)


async def read_image(blobs: BlobStore, domain_name: str, kind: ImageKind) -> tuple[bytes, str, str]:
    """The bytes, content type and blob key of a domain's image; LookupError if it has none."""
    name = normalize_domain(domain_name)
    row = await LoginBranding.filter(domain__name=name).first() if is_valid_domain(name) else None
    url = (row.logo_url if kind == ImageKind.LOGO else row.background_url) if row else ""
    key = blob_key_of(url)
    if not key:
        raise LookupError(name)
    try:
        data = await blobs.get(key)
    except (ValueError, OSError) as exc:  # a bad or lost key: no image
        raise LookupError(name) from exc
    content_type = image_type(data)
    if content_type is None:
        raise LookupError(name)
    return data, content_type, key
