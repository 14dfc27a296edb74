"""Typed errors of member-facing branding (own signature); admin changes raise ``AdminError``."""

from enum import StrEnum


class BrandingErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"


class BrandingError(Exception):
    def __init__(self, code: BrandingErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
