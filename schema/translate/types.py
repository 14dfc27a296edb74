"""Types of the translation schema: a translation, a pending one, or a typed error."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.translate.errors import TranslateError
from mailcore.translate.errors import TranslateErrorCode as CoreCode
from mailcore.translate.service import Pending, Translated

TranslateErrorCode = strawberry.enum(
    StrEnum(
        "TranslateErrorCode", {c.name: c.value for c in CoreCode if c.name != "INVALID_PACKAGE"}
    )
)


@strawberry.type(description="A message translated; the layout (paragraphs, lists) is kept.")
class Translation:
    message_id: strawberry.ID
    subject: str
    text: str
    model: str = strawberry.field(description="The model package and version that translated.")
    source_language: str
    target_language: str
    cached: bool = strawberry.field(description="Served from the translation cache.")
    created_at: datetime

    @classmethod
    def of(cls, result: Translated) -> Translation:
        row = result.row
        return cls(
            message_id=strawberry.ID(str(result.entry_id)),
            subject=row.subject,
            text=row.text,
            model=row.model,
            source_language=row.source_language,
            target_language=row.target,
            cached=result.cached,
            created_at=row.created_at,
        )


@strawberry.type(
    description="The translation takes longer than one request: subscribe to "
    "translationReady(id) to receive it."
)
class TranslationPending:
    message_id: strawberry.ID
    target_language: str
    model: str

    @classmethod
    def of(cls, pending: Pending) -> TranslationPending:
        return cls(
            message_id=strawberry.ID(str(pending.entry_id)),
            target_language=pending.target,
            model=pending.model,
        )


@strawberry.type(name="TranslateError")
class TranslateErrorType:
    code: TranslateErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: TranslateError) -> TranslateErrorType:
        return cls(code=TranslateErrorCode(exc.code.value), message=exc.message, field=exc.field)


TranslateMessageResult = Annotated[
    Translation | TranslationPending | TranslateErrorType,
    strawberry.union("TranslateMessageResult"),
]
TranslationReadyResult = Annotated[
    Translation | TranslateErrorType, strawberry.union("TranslationReadyResult")
]


def result_of(value: Translated | Pending) -> Translation | TranslationPending:
    return Translation.of(value) if isinstance(value, Translated) else TranslationPending.of(value)
