"""The error of the SMS interface (kept apart so that providers need not import the sender)."""


class SmsError(Exception):
    """The message was not sent: not configured, a bad number, or the provider refused."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
