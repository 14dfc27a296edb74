"""Typed errors of administration."""

from enum import StrEnum


class AdminErrorCode(StrEnum):
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    CONFLICT = "CONFLICT"
    CYCLE = "CYCLE"  # a group would contain itself
    HAS_SUBDEPARTMENTS = "HAS_SUBDEPARTMENTS"
    HAS_MEMBERS = "HAS_MEMBERS"
    DNS_UNAVAILABLE = "DNS_UNAVAILABLE"  # no DNS answer could be had (timeouts, failures)
    CALLBACK_UNVERIFIED = "CALLBACK_UNVERIFIED"  # a callback URL failed its echostr check


class AdminError(Exception):
    def __init__(self, code: AdminErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def forbidden(message: str = "you may not administer this") -> AdminError:
    return AdminError(AdminErrorCode.FORBIDDEN, message)
