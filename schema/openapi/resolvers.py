"""Queries and mutations of open API apps (super administrators only, checked in mailcore)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.openapi import apps
from schema.admin.types import AdminErrorType, Done
from schema.openapi.types import (
    DeleteOpenAppResult,
    OpenAppKind,
    OpenAppSecret,
    OpenAppSecretResult,
    OpenAppType,
    UpdateOpenAppResult,
    query_error,
)
from schema.permissions import IsAdmin, IsAuthenticated


@strawberry.type
class OpenApiQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="The enterprise's open API apps (super administrators).",
    )
    async def open_apps(self, info: Info) -> list[OpenAppType]:
        scope = await info.context.require_admin()
        try:
            return [OpenAppType.of(a) for a in await apps.list_apps(scope)]
        except AdminError as exc:
            raise query_error(exc) from exc


@strawberry.type
class OpenApiMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="A new app of one kind; its corpsecret (and a newmail app's webhook "
        "secret) are returned this once.",
    )
    async def create_open_app(
        self, info: Info, kind: OpenAppKind, webhook_url: str = ""
    ) -> OpenAppSecretResult:
        scope = await info.context.require_admin()
        bus = info.context.runtime.bus
        try:
            return OpenAppSecret.of(await apps.create_app(scope, kind.value, webhook_url, bus=bus))
        except AdminError as exc:
            return AdminErrorType.of(exc)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="New secrets for an app; its old secret and tokens stop working.",
    )
    async def rotate_open_app_secret(self, info: Info, corpid: str) -> OpenAppSecretResult:
        scope = await info.context.require_admin()
        bus = info.context.runtime.bus
        try:
            return OpenAppSecret.of(await apps.rotate_secret(scope, corpid, bus=bus))
        except AdminError as exc:
            return AdminErrorType.of(exc)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def update_open_app(
        self,
        info: Info,
        corpid: str,
        webhook_url: str | None = None,
        enabled: bool | None = None,
    ) -> UpdateOpenAppResult:
        scope = await info.context.require_admin()
        bus = info.context.runtime.bus
        try:
            app = await apps.update_app(
                scope, corpid, webhook_url=webhook_url, enabled=enabled, bus=bus
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return OpenAppType.of(app)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def delete_open_app(self, info: Info, corpid: str) -> DeleteOpenAppResult:
        scope = await info.context.require_admin()
        bus = info.context.runtime.bus
        try:
            await apps.delete_app(scope, corpid, bus=bus)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()
