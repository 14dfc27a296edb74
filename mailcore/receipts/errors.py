"""Typed errors of read receipts."""

from enum import StrEnum


class ReceiptErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"  # no such message in the member's mailbox
    NOT_REQUESTED = "NOT_REQUESTED"  # the mail asks for no receipt (or the member sent it)
    ALREADY_HANDLED = "ALREADY_HANDLED"  # a receipt was sent or declined already
    NOT_ALLOWED = "NOT_ALLOWED"  # never for mail in Spam
    INVALID = "INVALID"


class ReceiptError(Exception):
    def __init__(self, code: ReceiptErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
