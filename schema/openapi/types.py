"""Types of open API app management (secrets appear only in create/rotate results)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError

from mailcore.admin.errors import AdminError
from mailcore.core.models import AppKind, CallbackFormat, OpenApp
from mailcore.openapi.apps import CreatedApp
from mailcore.openapi.callbacks import hint
from schema.admin.types import AdminErrorType, Done

OpenAppKind = strawberry.enum(AppKind, name="OpenAppKind")
OpenAppCallbackFormat = strawberry.enum(
    CallbackFormat,
    name="OpenAppCallbackFormat",
    description="QIYOU: JSON signed with HMAC-SHA256; EXMAIL: Exmail's encrypted XML "
    "(WeChat Work's msg_signature and AES scheme).",
)


@strawberry.type(name="OpenApp")
class OpenAppType:
    corpid: str
    kind: OpenAppKind
    webhook_url: str
    enabled: bool
    created_at: datetime
    callback_format: OpenAppCallbackFormat
    callback_token_hint: str | None = strawberry.field(
        description="The last 4 characters of the Exmail-format Token (never shown in full)."
    )
    callback_aes_key_hint: str | None = strawberry.field(
        description="The last 4 characters of the EncodingAESKey (never shown in full)."
    )

    @classmethod
    def of(cls, app: OpenApp) -> OpenAppType:
        return cls(
            corpid=app.corpid,
            kind=AppKind(app.kind),
            webhook_url=app.webhook_url,
            enabled=app.enabled,
            created_at=app.created_at,
            callback_format=CallbackFormat(app.callback_format),
            callback_token_hint=hint(app.callback_token),
            callback_aes_key_hint=hint(app.callback_aes_key),
        )


@strawberry.type(description="An app with its secrets, shown this once: store them now.")
class OpenAppSecret:
    app: OpenAppType
    corpsecret: str
    webhook_secret: str | None
    callback_token: str | None = strawberry.field(
        description="A newmail app's Exmail-format Token, at creation only."
    )
    callback_aes_key: str | None = strawberry.field(
        description="A newmail app's EncodingAESKey, at creation only."
    )

    @classmethod
    def of(cls, created: CreatedApp) -> OpenAppSecret:
        return cls(
            app=OpenAppType.of(created.app),
            corpsecret=created.corpsecret,
            webhook_secret=created.webhook_secret or None,
            callback_token=created.callback_token or None,
            callback_aes_key=created.callback_aes_key or None,
        )


def query_error(exc: AdminError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


OpenAppSecretResult = Annotated[
    OpenAppSecret | AdminErrorType, strawberry.union("OpenAppSecretResult")
]
UpdateOpenAppResult = Annotated[
    OpenAppType | AdminErrorType, strawberry.union("UpdateOpenAppResult")
]
DeleteOpenAppResult = Annotated[Done | AdminErrorType, strawberry.union("DeleteOpenAppResult")]
