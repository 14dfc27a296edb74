"""Typed errors of mail migrations: a code, the input field at fault, and a message."""

from enum import StrEnum


class MigrationErrorCode(StrEnum):
    FORBIDDEN = "FORBIDDEN"  # outside the administrator's enterprise or scope
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"  # e.g. pausing a migration that is not running
    PRIVATE_HOST = "PRIVATE_HOST"  # the old server is on a private network (not allowed here)


class MigrationError(Exception):
    def __init__(self, code: MigrationErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def invalid(message: str, field: str) -> MigrationError:
    return MigrationError(MigrationErrorCode.INVALID, message, field)


def not_found() -> MigrationError:
    """Also for another enterprise's migration: no hint that it exists."""
    return MigrationError(MigrationErrorCode.NOT_FOUND, "no such migration", "id")
