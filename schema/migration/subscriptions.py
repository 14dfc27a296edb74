"""A migration's progress, live, for the admin console's progress table."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.migration import service
from mailcore.migration.errors import MigrationError
from mailcore.migration.progress import watch
from schema.migration.resolvers import ADMIN, parse_id
from schema.migration.types import MailMigrationType


@strawberry.type
class MigrationSubscription:
    @strawberry.subscription(
        permission_classes=ADMIN,
        description="The migration now and each time its progress changes (looked at every "
        "second); ends once it is DONE or FAILED.",
    )
    async def mail_migration_progress(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[MailMigrationType, None]:
        try:
            found = await service.get_migration(await info.context.require_admin(), parse_id(id))
        except MigrationError as exc:
            raise GraphQLError(exc.message, extensions={"code": exc.code.value}) from None
        async for migration, rows in watch(found):
            yield MailMigrationType(row=migration, rows=rows)
