"""The bulk import mutation: a CSV or XLSX upload (GraphQL multipart request)."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.directory.importing import import_members
from mailcore.directory.tablefile import MAX_FILE
from schema.admin.types import AdminErrorType
from schema.directory.types import ImportMembersResult, MemberImportReport
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description=(
            "Create or update members from a CSV (UTF-8 or GBK) or XLSX file with columns "
            "email, name, password, department (研发部/后端组), position, mobile, tel, vip, "
            "quota. Each row succeeds or fails alone; the report says which."
        ),
    )
    async def import_members(self, info: Info, file: Upload) -> ImportMembersResult:
        scope = await info.context.require_admin()
        data = await file.read(MAX_FILE + 1)
        try:
            report = await import_members(
                scope,
                data,
                getattr(file, "filename", "") or "",
                default_quota=info.context.runtime.settings.default_quota,
                bus=info.context.runtime.bus,
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return MemberImportReport.of(report)
