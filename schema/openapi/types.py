"""Types of open API app management (secrets appear only in create/rotate results)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError

from mailcore.admin.errors import AdminError
from mailcore.core.models import AppKind, OpenApp
from mailcore.openapi.apps import CreatedApp
from schema.admin.types import AdminErrorType, Done

OpenAppKind = strawberry.enum(AppKind, name="OpenAppKind")


@strawberry.type(name="OpenApp")
class OpenAppType:
    corpid: str
    kind: OpenAppKind
    webhook_url: str
    enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, app: OpenApp) -> OpenAppType:
        return cls(
            corpid=app.corpid,
            kind=AppKind(app.kind),
            webhook_url=app.webhook_url,
            enabled=app.enabled,
            created_at=app.created_at,
        )


@strawberry.type(description="An app with its secrets, shown this once: store them now.")
class OpenAppSecret:
    app: OpenAppType
    corpsecret: str
    webhook_secret: str | None

    @classmethod
    def of(cls, created: CreatedApp) -> OpenAppSecret:
        return cls(
            app=OpenAppType.of(created.app),
            corpsecret=created.corpsecret,
            webhook_secret=created.webhook_secret or None,
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
