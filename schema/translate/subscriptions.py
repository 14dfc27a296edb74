"""translationReady: the finished translation of a message, pushed once (no polling)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from mailcore.translate import service
from mailcore.translate.errors import TranslateError, TranslateErrorCode
from schema.permissions import IsAuthenticated
from schema.translate.types import TranslateErrorType, Translation, TranslationReadyResult


@strawberry.type
class TranslateSubscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="The translation of one of your messages, sent once when it is ready "
        "(at once when it already is); starts the translation if none is running.",
    )
    async def translation_ready(
        self, info: Info, id: strawberry.ID, to: str = "zh"
    ) -> AsyncGenerator[TranslationReadyResult, None]:
        runtime = info.context.runtime
        member_id = info.context.member_id

        async def ask() -> service.Translated | service.Pending:
            return await service.request(
                runtime.settings, runtime.blobs, runtime.bus, member_id, id, to, 0
            )

        async with runtime.bus.subscribe(member_id) as stream:  # before asking: no missed event
            try:
                first = await ask()
            except TranslateError as exc:
                yield TranslateErrorType.of(exc)
                return
            if isinstance(first, service.Translated):
                yield Translation.of(first)
                return
            async for event in stream:
                if str(event.get("entry_id")) != str(first.entry_id):
                    continue
                if event.get("target") != first.target:
                    continue
                if event["kind"] == service.TRANSLATION_FAILED:
                    code = TranslateErrorCode(event["code"])
                    yield TranslateErrorType.of(TranslateError(code, event["message"]))
                    return
                if event["kind"] == service.TRANSLATION_READY:
                    try:
                        done = await ask()
                    except TranslateError as exc:
                        yield TranslateErrorType.of(exc)
                        return
                    if isinstance(done, service.Translated):
                        yield Translation.of(done)
                        return
