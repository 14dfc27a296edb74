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


class SecurityError(Exception):
    def __init__(
        self,
        code: SecurityErrorCode,
        message: str,
        field: str | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after
