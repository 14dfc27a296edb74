"""Typed errors of translation."""

from enum import StrEnum


class TranslateErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"  # no such message in the caller's mailbox
    CONFIDENTIAL = "CONFIDENTIAL"  # a confidential mail the caller has not verified (U17)
    NO_MODEL = "NO_MODEL"  # no installed package translates into the wanted language
    UNSUPPORTED_LANGUAGE = "UNSUPPORTED_LANGUAGE"  # a target language we do not translate to
    NOT_ENGLISH = "NOT_ENGLISH"  # the mail is in a language no package translates from
    ALREADY_CHINESE = "ALREADY_CHINESE"  # the mail is already in the target language
    EMPTY = "EMPTY"  # nothing to translate (no text, or only quotes and signatures)
    TOO_LONG = "TOO_LONG"  # the text is longer than QIYOU_TRANSLATE_MAX_CHARS
    FAILED = "FAILED"  # the model failed on this text
    INVALID_PACKAGE = "INVALID_PACKAGE"  # `qiyou translate install` got a broken package


class TranslateError(Exception):
    def __init__(self, code: TranslateErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
