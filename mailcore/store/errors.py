"""Typed errors of the mail domain."""

from enum import StrEnum


class MailErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    FOLDER_EXISTS = "FOLDER_EXISTS"
    FOLDER_PROTECTED = "FOLDER_PROTECTED"
    INVALID_RECIPIENT = "INVALID_RECIPIENT"
    NO_RECIPIENTS = "NO_RECIPIENTS"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    SENDER_NOT_ALLOWED = "SENDER_NOT_ALLOWED"
    NOT_ALLOWED = "NOT_ALLOWED"  # e.g. the group's posting permission refuses the sender
    CONFIDENTIAL = "CONFIDENTIAL"  # confidential mail: not forwarded, quoted or downloaded
    EXTERNAL_NOT_ALLOWED = "EXTERNAL_NOT_ALLOWED"  # the sender may not send outside (A7)
    RECALL_WINDOW_PASSED = "RECALL_WINDOW_PASSED"  # too late to recall this message


class MailError(Exception):
    def __init__(self, code: MailErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
