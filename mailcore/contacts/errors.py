"""Typed errors of personal contacts."""

from enum import StrEnum


class ContactErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"  # another contact of the book has this UID
    LIMIT_REACHED = "LIMIT_REACHED"  # the book is full
    TOO_LARGE = "TOO_LARGE"  # a card or an import over its size limit


class ContactError(Exception):
    def __init__(self, code: ContactErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
