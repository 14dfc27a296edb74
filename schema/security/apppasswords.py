"""A member's app passwords (客户端专用密码) for mail clients: list, create (the secret
is returned once), revoke. Only the signed-in member sees and changes their own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.core.models import AppPassword
from mailcore.security import apppasswords
from mailcore.security.errors import SecurityError, SecurityErrorCode
from schema.admin.types import Done
from schema.auth.types import AuthError
from schema.permissions import IsAuthenticated
from schema.security.types import DoneResult

SIGNED_IN = [IsAuthenticated]


@strawberry.type(name="AppPassword")
class AppPasswordType:
    row: strawberry.Private[AppPassword]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When a mail client last signed in with it (null: never).")
    def last_used_at(self) -> datetime | None:
        return self.row.last_used_at

    @strawberry.field
    def last_used_ip(self) -> str | None:
        return self.row.last_used_ip or None

    @strawberry.field(description="The protocol of that sign-in: smtp, imap or pop3.")
    def last_used_protocol(self) -> str | None:
        client = self.row.last_used_client
        return client.value if client else None


@strawberry.type
class AppPasswordCreated:
    app_password: AppPasswordType
    secret: str = strawberry.field(
        description="The password to type into the mail client (spaces optional); "
        "shown this once, never again."
    )


CreateAppPasswordResult = Annotated[
    AppPasswordCreated | AuthError, strawberry.union("CreateAppPasswordResult")
]


@strawberry.type
class AppPasswordQuery:
    @strawberry.field(permission_classes=SIGNED_IN, description="Your app passwords, newest first.")
    async def app_passwords(self, info: Info) -> list[AppPasswordType]:
        rows = await apppasswords.list_for(info.context.identity.member)
        return [AppPasswordType(row=row) for row in rows]


@strawberry.type
class AppPasswordMutation:
    @strawberry.mutation(
        permission_classes=SIGNED_IN,
        description="A new app password for one mail client (name: up to 64 characters; "
        "at most 20 per member).",
    )
    async def create_app_password(self, info: Info, name: str) -> CreateAppPasswordResult:
        try:
            created = await apppasswords.create(info.context.identity.member, name)
        except SecurityError as exc:
            return AuthError.of(exc)
        return AppPasswordCreated(
            app_password=AppPasswordType(row=created.row), secret=created.secret
        )

    @strawberry.mutation(
        permission_classes=SIGNED_IN, description="Delete an app password: its client stops."
    )
    async def revoke_app_password(self, info: Info, id: strawberry.ID) -> DoneResult:
        try:
            if not str(id).isdecimal():
                raise SecurityError(SecurityErrorCode.NOT_FOUND, "no such app password", "id")
            await apppasswords.revoke(info.context.identity.member, int(id))
        except SecurityError as exc:
            return AuthError.of(exc)
        return Done()
