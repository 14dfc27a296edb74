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
    SKIPPED = "SKIPPED"  # the fetch went on, but left messages or folders out (with why)
    # send-as confirmation codes (mailcore/fetch/sendas.py)
    INVALID_CODE = "INVALID_CODE"  # not the code that was mailed (or none was asked for)
    CODE_EXPIRED = "CODE_EXPIRED"  # the code's time is over: ask for a new one
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"  # too many wrong guesses: ask for a new one
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"  # a code was asked for too recently or too often


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
