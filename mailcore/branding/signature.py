"""Mail signatures: the company template (filled from each member's fields) and members' own.

Which signature a member's mail gets: the company template when it is enforced; otherwise
the member's own signature once they have set one (empty means none); otherwise the company
template, if there is one. Placeholders ``{name} {position} {department} {mobile} {tel}
{email} {company}`` are filled with HTML-escaped values; other braces stay as they are.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.branding.errors import BrandingError, BrandingErrorCode
from mailcore.core.mime.display import display_html
from mailcore.core.mime.sanitize import html_to_text
from mailcore.core.models import (
    AdminPermission,
    Department,
    DepartmentMember,
    Enterprise,
    Member,
    MemberSignature,
    SignatureTemplate,
)

MAX_SIGNATURE = 20_000
TOO_LONG = f"a signature has at most {MAX_SIGNATURE} characters"
PLACEHOLDERS = ("name", "position", "department", "mobile", "tel", "email", "company")
_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")
TEXT_DELIMITER = "-- "  # the usenet signature separator clients recognise


@dataclass(frozen=True)
class Signature:
    html: str
    text: str


@dataclass(frozen=True)
class TemplateView:
    html: str
    enforced: bool
    preview: str = ""  # filled in for the administrator who asked


@dataclass(frozen=True)
class MySignature:
    own: str | None  # what the member set; None when they never did
    enforced: bool  # the company template is enforced and replaces theirs
    effective: Signature | None  # what their mail gets


async def member_fields(member: Member) -> dict[str, str]:
    """Values for the placeholders; ``department`` is the member's first department below
    the root (the root, named after the company, when they are in no other)."""
    enterprise = await Enterprise.get(id=member.enterprise_id)
    rows = (
        await DepartmentMember.filter(member_id=member.id)
        .order_by("id")
        .values_list("department_id", flat=True)
    )
    departments = {
        d.id: d for d in await Department.filter(id__in=list(rows)).only("id", "name", "parent_id")
    }
    ordered = [departments[i] for i in rows if i in departments]
    department = next((d for d in ordered if d.parent_id is not None), None) or (
        ordered[0] if ordered else None
    )
    return {
        "name": member.name,
        "position": member.position,
        "department": department.name if department else "",
        "mobile": member.mobile,
        "tel": member.tel,
        "email": member.email,
        "company": enterprise.name,
    }


async def render(template: str, fields: dict[str, str]) -> str:
    """Fill the placeholders (values escaped), then sanitize the result."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return htmllib.escape(fields[name]) if name in fields else match.group(0)

    return await display_html(_PLACEHOLDER.sub(fill, template))


async def get_template(scope: AdminScope, viewer: Member | None = None) -> TemplateView:
    """The company template, with a preview filled in for ``viewer``."""
    scope.require(AdminPermission.BRANDING)
    row = await SignatureTemplate.filter(enterprise_id=scope.enterprise_id).first()
    html, enforced = (row.html, row.enforced) if row else ("", False)
    preview = await render(html, await member_fields(viewer)) if viewer and html else ""
    return TemplateView(html, enforced, preview)


async def set_template(
    scope: AdminScope, html: str, *, enforced: bool, viewer: Member | None = None
) -> TemplateView:
    scope.require(AdminPermission.BRANDING)
    if len(html) > MAX_SIGNATURE:
        raise AdminError(AdminErrorCode.INVALID, TOO_LONG, "html")
    clean = await display_html(html)
    async with in_transaction():
        await SignatureTemplate.update_or_create(
            defaults={"html": clean, "enforced": enforced}, enterprise_id=scope.enterprise_id
        )
        await record(scope, "signature.template", "", enforced=enforced, length=len(clean))
    return await get_template(scope, viewer)


async def set_own(member: Member, html: str) -> MySignature:
    if len(html) > MAX_SIGNATURE:
        raise BrandingError(BrandingErrorCode.INVALID, TOO_LONG, "html")
    clean = await display_html(html)
    await MemberSignature.update_or_create(defaults={"html": clean}, member_id=member.id)
    return await my_signature(member)


async def my_signature(member: Member) -> MySignature:
    own_row = await MemberSignature.filter(member_id=member.id).first()
    template = await SignatureTemplate.filter(enterprise_id=member.enterprise_id).first()
    enforced = bool(template and template.enforced and template.html)
    if enforced or (own_row is None and template and template.html):
        html = await render(template.html, await member_fields(member)) if template else ""
    else:
        html = own_row.html if own_row else ""
    effective = Signature(html=html, text=html_to_text(html)) if html.strip() else None
    return MySignature(
        own=own_row.html if own_row else None, enforced=enforced, effective=effective
    )


def _append_html(body: str, signature: str) -> str:
    block = f'<div class="qiyou-signature"><br>{signature}</div>'
    at = body.lower().rfind("</body>")
    return body[:at] + block + body[at:] if at >= 0 else body + block


async def append_signature(
    member: Member, text: str | None, html: str | None, *, requested: bool
) -> tuple[str | None, str | None]:
    """The bodies of an outgoing mail with the member's signature added, in each form the
    mail has. Not ``requested`` leaves them unchanged, unless the company enforces its own."""
    mine = await my_signature(member)
    if mine.effective is None or not (requested or mine.enforced):
        return text, html
    signature = mine.effective
    if text is None and html is None:
        return f"{TEXT_DELIMITER}\n{signature.text}", None
    if text is not None:
        text = f"{text.rstrip()}\n\n{TEXT_DELIMITER}\n{signature.text}"
    if html is not None:
        html = _append_html(html, signature.html)
    return text, html
