"""Typed calendar errors: a code, the input field at fault, and a message for people."""

from enum import StrEnum


class CalendarErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID = "INVALID"
    TOO_LARGE = "TOO_LARGE"  # an attachment over the limits


class CalendarError(Exception):
    def __init__(self, code: CalendarErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def invalid(message: str, field: str) -> CalendarError:
    return CalendarError(CalendarErrorCode.INVALID, message, field)


def not_found(what: str = "calendar") -> CalendarError:
    """Also for what exists but the caller may not see: no hint that it exists."""
    return CalendarError(CalendarErrorCode.NOT_FOUND, f"no such {what}", "id")
