"""Typed errors of member-facing group operations (personal groups)."""

from enum import StrEnum


class GroupErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    ALREADY_EXISTS = "ALREADY_EXISTS"


class GroupError(Exception):
    def __init__(self, code: GroupErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
