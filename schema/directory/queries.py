"""Queries of the directory: what members see, and members and departments for admins."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.core.models import AdminPermission
from mailcore.directory import contacts, listing
from mailcore.directory.departments import list_departments, parse_id
from mailcore.directory.errors import DirectoryError
from mailcore.directory.paging import encode_cursor
from schema.directory.errors import query_error
from schema.directory.types import (
    AdminDepartment,
    AdminMember,
    AdminMemberConnection,
    AdminMemberEdge,
    Contact,
    ContactConnection,
    ContactEdge,
    DirectoryDepartment,
)
from schema.mail.types import PageInfo
from schema.permissions import IsAdmin, IsAuthenticated


async def _viewer(info: Info) -> tuple[int, bool]:
    """The viewer's enterprise, and whether they see hidden entries (member admins do)."""
    scope = await info.context.admin_scope()
    include_hidden = scope is not None and scope.may(AdminPermission.MEMBERS)
    return info.context.identity.member.enterprise_id, include_hidden


def _department(value: strawberry.ID | None) -> int | None:
    return None if value is None else parse_id(value, "departmentId")


def admin_member(detail: listing.MemberDetail, restore_days: int) -> AdminMember:
    return AdminMember(
        member=detail.member,
        tree=detail.tree,
        department_ids=detail.department_ids,
        restore_days=restore_days,
        aliases=detail.aliases,
    )


@strawberry.type
class DirectoryQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The department tree of your enterprise, parents before children.",
    )
    async def directory_departments(self, info: Info) -> list[DirectoryDepartment]:
        enterprise_id, include_hidden = await _viewer(info)
        view, nodes = await contacts.departments(enterprise_id, include_hidden)
        return [DirectoryDepartment.of(view.tree, node) for node in nodes]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description=(
            "Colleagues' contact cards: a department's members (with recursive, also those of "
            "its sub-departments), searched by name, pinyin, initials, address or department."
        ),
    )
    async def directory(
        self,
        info: Info,
        department_id: strawberry.ID | None = None,
        query: str | None = None,
        recursive: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> ContactConnection:
        enterprise_id, include_hidden = await _viewer(info)
        try:
            result = await contacts.contacts(
                enterprise_id,
                include_hidden,
                department_id=_department(department_id),
                recursive=recursive,
                query=query,
                first=first,
                after=after,
            )
        except (AdminError, DirectoryError) as exc:
            raise query_error(exc) from exc
        page, view = result.page, result.view
        return ContactConnection(
            edges=[
                ContactEdge(
                    node=Contact.of(m, view.tree, view.shown(page.departments[m.id])),
                    cursor=encode_cursor(m),
                )
                for m in page.members
            ],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
            total_count=page.total,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="One colleague's card by address, or null if there is none you may see.",
    )
    async def contact(self, info: Info, email: str) -> Contact | None:
        enterprise_id, include_hidden = await _viewer(info)
        found = await contacts.contact(enterprise_id, include_hidden, email)
        if found is None:
            return None
        view, member, ids = found
        return Contact.of(member, view.tree, view.shown(ids))

    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Departments you administer (all of them for super admins), hidden included.",
    )
    async def admin_departments(self, info: Info) -> list[AdminDepartment]:
        scope = await info.context.require_admin()
        try:
            rows = await list_departments(scope)
        except AdminError as exc:
            raise query_error(exc) from exc
        return [AdminDepartment.of(row) for row in rows]

    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Members you administer, with usage; deleted: those awaiting purge.",
    )
    async def members(
        self,
        info: Info,
        department_id: strawberry.ID | None = None,
        query: str | None = None,
        recursive: bool = False,
        deleted: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> AdminMemberConnection:
        scope = await info.context.require_admin()
        restore_days = info.context.runtime.settings.restore_days
        try:
            result = await listing.list_members(
                scope,
                department_id=_department(department_id),
                recursive=recursive,
                query=query,
                first=first,
                after=after,
                deleted=deleted,
            )
        except (AdminError, DirectoryError) as exc:
            raise query_error(exc) from exc
        page = result.page
        return AdminMemberConnection(
            edges=[
                AdminMemberEdge(
                    node=AdminMember(
                        member=m,
                        tree=result.tree,
                        department_ids=page.departments[m.id],
                        restore_days=restore_days,
                        aliases=result.aliases[m.id],
                    ),
                    cursor=encode_cursor(m),
                )
                for m in page.members
            ],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
            total_count=page.total,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="One member you administer, by address or alias; null if there is none.",
    )
    async def member(self, info: Info, email: str) -> AdminMember | None:
        scope = await info.context.require_admin()
        try:
            detail = await listing.member_detail(scope, email)
        except AdminError as exc:
            if exc.code == AdminErrorCode.NOT_FOUND:
                return None
            raise query_error(exc) from exc
        return admin_member(detail, info.context.runtime.settings.restore_days)
