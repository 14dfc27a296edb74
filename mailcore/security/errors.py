"""Typed errors of login security (member-facing: sign-in, second factors, password)."""

from __future__ import annotations

from enum import StrEnum


class SecurityErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    IP_NOT_ALLOWED = "IP_NOT_ALLOWED"
    LOCKED = "LOCKED"
    PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED"
    SECOND_FACTOR_UNAVAILABLE = "SECOND_FACTOR_UNAVAILABLE"
    INVALID_CODE = "INVALID_CODE"
    TICKET_EXPIRED = "TICKET_EXPIRED"
    MINIPROGRAM_REQUIRED = "MINIPROGRAM_REQUIRED"
    WECHAT_NOT_BOUND = "WECHAT_NOT_BOUND"
    WECHAT_ALREADY_BOUND = "WECHAT_ALREADY_BOUND"
    WECHAT_MISMATCH = "WECHAT_MISMATCH"
    WECHAT_UNAVAILABLE = "WECHAT_UNAVAILABLE"
    TOTP_NOT_ENABLED = "TOTP_NOT_ENABLED"
    APP_PASSWORD_REQUIRED = "APP_PASSWORD_REQUIRED"
    PROTOCOL_DISABLED = "PROTOCOL_DISABLED"
    LIMIT_REACHED = "LIMIT_REACHED"


class SecurityErrorReason(StrEnum):
    """Which rule a refusal broke where one code covers several (INVALID, INVALID_CODE):
    clients put the reason in the member's language instead of showing ``message``."""

    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"  # ``limit``: the fewest characters
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"  # ``limit``: the most characters
    PASSWORD_UNCHANGED = "PASSWORD_UNCHANGED"
    TOTP_NOT_SET_UP = "TOTP_NOT_SET_UP"
    CODE_FORMAT = "CODE_FORMAT"  # ``limit``: the number of digits
    CODE_WRONG = "CODE_WRONG"  # wrong, expired or already used
    NAME_MISSING = "NAME_MISSING"
    NAME_UNPRINTABLE = "NAME_UNPRINTABLE"
    NAME_TOO_LONG = "NAME_TOO_LONG"  # ``limit``: the most characters
    TOO_LONG = "TOO_LONG"  # a sign-in field (``field``) is longer than any account's


class SecurityError(Exception):
    def __init__(
        self,
        code: SecurityErrorCode,
        message: str,
        field: str | None = None,
        *,
        retry_after: int | None = None,
        reason: SecurityErrorReason | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after
        self.reason = reason
        self.limit = limit
