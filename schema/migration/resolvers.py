"""Queries and mutations of mail migrations: each converts its input, calls one service of
``mailcore/migration/service.py`` with the caller's admin scope, and maps the result."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.core.models import MailMigration
from mailcore.fetch.crypt import crypt_for
from mailcore.migration import service
from mailcore.migration.errors import MigrationError, not_found
from mailcore.migration.progress import rows_of
from mailcore.migration.source import MemberLine
from schema.migration.types import (
    MailMigrationErrorType,
    MailMigrationMemberInput,
    MailMigrationResult,
    MailMigrationType,
)
from schema.permissions import IsAdmin

ADMIN = [IsAdmin]


def parse_id(value: object) -> int:
    text = str(value)
    if not text.isdecimal() or len(text) > 12:
        raise not_found()
    return int(text)


async def typed(migrations: list[MailMigration]) -> list[MailMigrationType]:
    """The migrations with their members' rows (one query for all)."""
    rows = await rows_of([m.id for m in migrations])
    return [MailMigrationType(row=m, rows=rows[m.id]) for m in migrations]


@strawberry.type
class MigrationQuery:
    @strawberry.field(permission_classes=ADMIN, description="Your enterprise's mail migrations.")
    async def mail_migrations(self, info: Info) -> list[MailMigrationType]:
        try:
            found = await service.list_migrations(await info.context.require_admin())
        except MigrationError as exc:
            raise GraphQLError(exc.message, extensions={"code": exc.code.value}) from None
        return await typed(found)

    @strawberry.field(
        permission_classes=ADMIN,
        description="One migration with each member's progress and report (null: none such).",
    )
    async def mail_migration(self, info: Info, id: strawberry.ID) -> MailMigrationType | None:
        try:
            found = await service.get_migration(await info.context.require_admin(), parse_id(id))
        except MigrationError as exc:
            if exc.code.value == "NOT_FOUND":
                return None
            raise GraphQLError(exc.message, extensions={"code": exc.code.value}) from None
        return (await typed([found]))[0]


@strawberry.type
class MigrationMutation:
    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Move members' mail from the old server (imap://, imaps://, pop3://, "
        "pop3s://host:port). Starting again with the same server takes only new mail.",
    )
    async def start_mail_migration(
        self,
        info: Info,
        # not ``source``: the permission extension takes that name
        server: Annotated[str, strawberry.argument(name="source")],
        members: list[MailMigrationMemberInput],
        master_user: Annotated[
            str | None,
            strawberry.argument(description="An IMAP master (admin) user of the old server."),
        ] = None,
        master_password: str | None = None,
    ) -> MailMigrationResult:
        settings = info.context.runtime.settings
        lines = [MemberLine(m.old_address, m.old_password, m.new_address) for m in members]
        master = (
            service.MasterLogin(master_user, master_password or "")
            if master_user is not None
            else None
        )
        try:
            found = await service.start_migration(
                await info.context.require_admin(),
                server,
                lines,
                settings,
                crypt_for(settings),
                master,
            )
        except MigrationError as exc:
            return MailMigrationErrorType.of(exc)
        return (await typed([found]))[0]

    @strawberry.mutation(
        permission_classes=ADMIN, description="Pause: workers stop after the current message."
    )
    async def pause_mail_migration(self, info: Info, id: strawberry.ID) -> MailMigrationResult:
        try:
            found = await service.pause_migration(await info.context.require_admin(), parse_id(id))
        except MigrationError as exc:
            return MailMigrationErrorType.of(exc)
        return (await typed([found]))[0]

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Resume a paused migration, or run an ended one again (only new mail).",
    )
    async def resume_mail_migration(self, info: Info, id: strawberry.ID) -> MailMigrationResult:
        try:
            found = await service.resume_migration(await info.context.require_admin(), parse_id(id))
        except MigrationError as exc:
            return MailMigrationErrorType.of(exc)
        return (await typed([found]))[0]
