"""Typed errors of member-facing delivery settings (a member's own sender lists)."""

from enum import StrEnum


class DeliveryErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    LIMIT_REACHED = "LIMIT_REACHED"


class DeliveryError(Exception):
    def __init__(self, code: DeliveryErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
