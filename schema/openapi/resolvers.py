"""Queries and mutations of open API apps (super administrators only, checked in mailcore)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.openapi import apps
from mailcore.openapi.callbacks import CallbackInput
from schema.admin.types import AdminErrorType, Done
from schema.openapi.types import (
    DeleteOpenAppResult,
    OpenAppCallbackFormat,
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


def _callback(
    fmt: OpenAppCallbackFormat | None, token: str | None, aes_key: str | None
) -> CallbackInput:
    return CallbackInput(format=fmt.value if fmt else None, token=token, aes_key=aes_key)


@strawberry.type
class OpenApiMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="A new app of one kind; its corpsecret (and a newmail app's webhook "
        "secret, callback Token and EncodingAESKey, given unless set here) are returned this "
        "once. An EXMAIL-format URL must answer the echostr check (CALLBACK_UNVERIFIED).",
    )
    async def create_open_app(
        self,
        info: Info,
        kind: OpenAppKind,
        webhook_url: str = "",
        callback_format: OpenAppCallbackFormat | None = None,
        callback_token: str | None = None,
        callback_aes_key: str | None = None,
    ) -> OpenAppSecretResult:
        scope = await info.context.require_admin()
        runtime = info.context.runtime
        callback = _callback(callback_format, callback_token, callback_aes_key)
        try:
            created = await apps.create_app(
                scope,
                kind.value,
                webhook_url,
                callback=callback,
                verify_timeout=runtime.settings.webhook_timeout,
                bus=runtime.bus,
            )
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return OpenAppSecret.of(created)

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

    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Change an app. Setting an EXMAIL-format URL (or changing the format, "
        "Token or EncodingAESKey of one) first checks that the URL answers the echostr "
        "(CALLBACK_UNVERIFIED otherwise, and nothing changes).",
    )
    async def update_open_app(
        self,
        info: Info,
        corpid: str,
        webhook_url: str | None = None,
        enabled: bool | None = None,
        callback_format: OpenAppCallbackFormat | None = None,
        callback_token: str | None = None,
        callback_aes_key: str | None = None,
    ) -> UpdateOpenAppResult:
        scope = await info.context.require_admin()
        runtime = info.context.runtime
        try:
            app = await apps.update_app(
                scope,
                corpid,
                webhook_url=webhook_url,
                enabled=enabled,
                callback=_callback(callback_format, callback_token, callback_aes_key),
                verify_timeout=runtime.settings.webhook_timeout,
                bus=runtime.bus,
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
