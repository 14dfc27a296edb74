"""Typed errors of confidential mail."""

from enum import StrEnum


class ConfidentialErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    NOT_CONFIDENTIAL = "NOT_CONFIDENTIAL"
    NOT_NEEDED = "NOT_NEEDED"  # the sender reads their own message without a code
    FORBIDDEN = "FORBIDDEN"  # e.g. the read log of someone else's message
    CHANNEL_UNAVAILABLE = "CHANNEL_UNAVAILABLE"  # no mobile number, no WeChat bound, not set up
    DELIVERY_FAILED = "DELIVERY_FAILED"  # the SMS/WeChat provider refused or is unreachable
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"  # codes asked too often
    INVALID_CODE = "INVALID_CODE"
    CODE_EXPIRED = "CODE_EXPIRED"  # no code, or the last one expired or was used
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"  # the code is burnt: ask for a new one


class ConfidentialError(Exception):
    def __init__(self, code: ConfidentialErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
