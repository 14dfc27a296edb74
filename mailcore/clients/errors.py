"""Why a set-up document cannot be given: typed codes, mapped to HTTP statuses by the api."""

from __future__ import annotations

from enum import StrEnum


class SetupErrorCode(StrEnum):
    INVALID_ADDRESS = "INVALID_ADDRESS"  # missing or not an e-mail address
    UNKNOWN_DOMAIN = "UNKNOWN_DOMAIN"  # not a domain hosted here
    MALFORMED_REQUEST = "MALFORMED_REQUEST"  # not a well-formed autodiscover request
    FORBIDDEN_XML = "FORBIDDEN_XML"  # a DTD or entity declaration in the request
    TOO_LARGE = "TOO_LARGE"  # request body over the limit
    UNSUPPORTED_SCHEMA = "UNSUPPORTED_SCHEMA"  # e.g. Exchange ActiveSync (mobilesync)
    NOT_OFFERED = "NOT_OFFERED"  # no IMAP/POP3 or no submission endpoint is on


class SetupError(Exception):
    def __init__(self, code: SetupErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
