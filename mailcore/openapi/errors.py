"""Typed errors of the open API's own services (credentials, tokens, tickets)."""

from enum import StrEnum


class OpenApiErrorCode(StrEnum):
    UNKNOWN_APP = "UNKNOWN_APP"
    INVALID_CREDENTIAL = "INVALID_CREDENTIAL"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    INVALID_TICKET = "INVALID_TICKET"


class OpenApiError(Exception):
    def __init__(self, code: OpenApiErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
