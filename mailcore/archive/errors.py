"""Typed errors of the archive, auditors, backup rules and approval."""

from enum import StrEnum


class PolicyErrorCode(StrEnum):
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"  # e.g. a held message that was already decided
    UNAVAILABLE = "UNAVAILABLE"  # e.g. the archive's search index cannot answer


class PolicyError(Exception):
    def __init__(self, code: PolicyErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def not_found(message: str, field: str | None = "id") -> PolicyError:
    return PolicyError(PolicyErrorCode.NOT_FOUND, message, field)


def invalid(message: str, field: str | None = None) -> PolicyError:
    return PolicyError(PolicyErrorCode.INVALID, message, field)
