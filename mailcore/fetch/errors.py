"""Typed errors of external mailboxes: a code, the input field at fault, and a message."""

from enum import StrEnum


class FetchErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    LIMIT_REACHED = "LIMIT_REACHED"
    LOGIN_FAILED = "LOGIN_FAILED"  # the server refused the username or password
    CONNECT_FAILED = "CONNECT_FAILED"  # no connection (refused, unreachable, no such host)
    TLS_FAILED = "TLS_FAILED"  # the TLS handshake or the certificate check failed
    TIMEOUT = "TIMEOUT"  # the server stopped answering
    PROTOCOL = "PROTOCOL"  # the server answered something we cannot use
    KEY_MISSING = "KEY_MISSING"  # the stored password cannot be decrypted with this key


class FetchError(Exception):
    def __init__(self, code: FetchErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def invalid(message: str, field: str) -> FetchError:
    return FetchError(FetchErrorCode.INVALID, message, field)


def not_found() -> FetchError:
    """Also for another member's account: no hint that it exists."""
    return FetchError(FetchErrorCode.NOT_FOUND, "no such external account", "id")
