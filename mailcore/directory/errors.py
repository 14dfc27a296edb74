"""Typed errors of the member-facing directory (admin services raise ``AdminError``)."""

from enum import StrEnum


class DirectoryErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"


class DirectoryError(Exception):
    def __init__(self, code: DirectoryErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
