"""Typed errors of personal mail rules."""

from enum import StrEnum


class RuleErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    EXTERNAL_NOT_ALLOWED = "EXTERNAL_NOT_ALLOWED"  # forwarding outside while restricted (A7)


class RuleError(Exception):
    def __init__(self, code: RuleErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
