"""The admin console's migration screen beyond start/pause/resume: starting from the
members' CSV/XLSX file as uploaded, the cut-over checklist, and forcing the migrated members
to change their password at their next sign-in. Administrators with the ``members``
permission (the checklist's domain items also need ``domains``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.file_uploads import Upload
from strawberry.types import Info

from mailcore.directory.tablefile import MAX_FILE
from mailcore.fetch.crypt import crypt_for
from mailcore.migration import cutover, service
from mailcore.migration.errors import MigrationError
from mailcore.migration.source import read_members
from schema.migration.resolvers import ADMIN, parse_id, typed
from schema.migration.types import MailMigrationErrorType, MailMigrationResult

CutoverState = strawberry.enum(
    StrEnum("MailMigrationCheckState", {c.name: c.value for c in cutover.CheckState}),
    description="DONE, TODO, or UNKNOWN (not checked yet, or not yours to see).",
)


@strawberry.type(name="MailMigrationCheck")
class CheckType:
    key: str = strawberry.field(
        description="DOMAINS_VERIFIED, MEMBERS_IMPORTED, MIGRATION_COMPLETE, INCREMENTAL_RUN, "
        "MX_SWITCHED or CLIENTS_RECONFIGURED."
    )
    state: CutoverState  # type: ignore[valid-type]
    done: int = strawberry.field(description="How many of total are right.")
    total: int
    pending: list[str] = strawberry.field(
        description="The first (up to 20) members, old addresses, migrations or domains left."
    )


@strawberry.type(name="MailMigrationCutover")
class CutoverType:
    items: list[CheckType]
    must_change_password: int = strawberry.field(
        description="Migrated members who have yet to choose a new password."
    )


@strawberry.type(name="MailMigrationPasswordsForced")
class PasswordsForcedType:
    members: int = strawberry.field(description="Members who must now change their password.")


PasswordsForcedResult = Annotated[
    PasswordsForcedType | MailMigrationErrorType,
    strawberry.union("MailMigrationPasswordsForcedResult"),
]


@strawberry.type
class CutoverQuery:
    @strawberry.field(
        permission_classes=ADMIN,
        description="The cut-over checklist, each item computed from the migrations, the "
        "domains' last DNS check and the members' sign-ins.",
    )
    async def mail_migration_cutover(self, info: Info) -> CutoverType:
        try:
            got = await cutover.checklist(
                await info.context.require_admin(), info.context.runtime.settings
            )
        except MigrationError as exc:
            raise GraphQLError(exc.message, extensions={"code": exc.code.value}) from None
        return CutoverType(
            items=[
                CheckType(
                    key=i.key,
                    state=CutoverState[i.state.name],
                    done=i.done,
                    total=i.total,
                    pending=i.pending,
                )
                for i in got.items
            ],
            must_change_password=got.must_change_password,
        )


@strawberry.type
class CutoverMutation:
    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Start a migration from the members' CSV or XLSX file (old address, old "
        "password, new address), as startMailMigration does.",
    )
    async def start_mail_migration_from_file(
        self,
        info: Info,
        server: Annotated[str, strawberry.argument(name="source")],
        file: Upload,
        master_user: str | None = None,
        master_password: str | None = None,
    ) -> MailMigrationResult:
        settings = info.context.runtime.settings
        master = service.MasterLogin(master_user, master_password or "") if master_user else None
        try:
            scope = await info.context.require_admin()
            data = await file.read(MAX_FILE + 1)  # a larger one is refused by the reader
            lines = read_members(data, getattr(file, "filename", "") or "")
            found = await service.start_migration(
                scope, server, lines, settings, crypt_for(settings), master
            )
        except MigrationError as exc:
            return MailMigrationErrorType.of(exc)
        return (await typed([found]))[0]

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Every member of the migration (but you) must choose a new password at "
        "their next sign-in; mail clients are refused until they have.",
    )
    async def force_mail_migration_password_change(
        self, info: Info, id: strawberry.ID
    ) -> PasswordsForcedResult:
        try:
            count = await cutover.force_password_change(
                await info.context.require_admin(), parse_id(id)
            )
        except MigrationError as exc:
            return MailMigrationErrorType.of(exc)
        return PasswordsForcedType(members=count)
