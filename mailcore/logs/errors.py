"""Typed errors of the log queries."""

from __future__ import annotations

from enum import StrEnum


class LogErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"


class LogError(Exception):
    def __init__(self, code: LogErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def invalid(message: str, field: str) -> LogError:
    return LogError(LogErrorCode.INVALID, message, field)
