"""Typed errors of the organisation domain."""

from enum import StrEnum


class OrgErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    DOMAIN_NOT_HOSTED = "DOMAIN_NOT_HOSTED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"


class OrgError(Exception):
    def __init__(self, code: OrgErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
