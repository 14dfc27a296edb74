"""The translateMessage query."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.translate import service
from mailcore.translate.errors import TranslateError
from schema.permissions import IsAuthenticated
from schema.translate.types import TranslateErrorType, TranslateMessageResult, result_of


@strawberry.type
class TranslateQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="One of your messages translated (offline) from English into `to`; "
        "cached per message and model. A long one answers TranslationPending: subscribe to "
        "translationReady(id) for the result.",
    )
    async def translate_message(
        self, info: Info, id: strawberry.ID, to: str = "zh"
    ) -> TranslateMessageResult:
        runtime = info.context.runtime
        try:
            return result_of(
                await service.request(
                    runtime.settings, runtime.blobs, runtime.bus, info.context.member_id, id, to
                )
            )
        except TranslateError as exc:
            return TranslateErrorType.of(exc)
