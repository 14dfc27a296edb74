"""Typed errors of notices."""

from enum import StrEnum


class NoticeErrorCode(StrEnum):
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"


class NoticeError(Exception):
    def __init__(self, code: NoticeErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
