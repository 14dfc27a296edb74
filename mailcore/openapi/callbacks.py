"""A newmail app's callback settings: its format, Token and EncodingAESKey, and the check
that an Exmail-format URL decrypts our ``echostr`` before it is accepted.

The Token and key are stored as is (like the webhook secret: they must be known to sign and
encrypt), given at creation (shown once) or set by the administrator; the API shows only
their last characters afterwards (``hint``).
"""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.core.models import AppKind, CallbackFormat, OpenApp
from mailcore.openapi import exmailcrypt
from mailcore.openapi.exmailcallback import CallbackKeys, check_url


@dataclass(frozen=True)
class CallbackInput:
    """What an administrator asks to change (None: keep)."""

    format: str | None = None
    token: str | None = None
    aes_key: str | None = None

    def given(self) -> bool:
        return (self.format, self.token, self.aes_key) != (None, None, None)


def hint(secret: str) -> str | None:
    """The last 4 characters of a stored secret (None when there is none)."""
    return "…" + secret[-4:] if secret else None


def parse_format(value: str) -> CallbackFormat:
    try:
        return CallbackFormat(value.lower())
    except ValueError as exc:
        formats = ", ".join(f.value for f in CallbackFormat)
        raise AdminError(
            AdminErrorCode.INVALID, f"callbackFormat must be one of {formats}", "callbackFormat"
        ) from exc


def apply(app: OpenApp, change: CallbackInput) -> None:
    """Check ``change`` and set it on ``app`` (not saved); new newmail apps get a random
    Token and key when none is given."""
    if app.kind is not AppKind.NEWMAIL:
        if change.given():
            raise AdminError(
                AdminErrorCode.INVALID, "only newmail apps have callbacks", "callbackFormat"
            )
        return
    if change.format is not None:
        app.callback_format = parse_format(change.format)
    if change.token is not None:
        if not exmailcrypt.valid_token(change.token):
            raise AdminError(
                AdminErrorCode.INVALID,
                "a Token is 1 to 32 letters (A-Z, a-z) and digits",
                "callbackToken",
            )
        app.callback_token = change.token
    if change.aes_key is not None:
        if not exmailcrypt.valid_aes_key(change.aes_key):
            raise AdminError(
                AdminErrorCode.INVALID,
                "an EncodingAESKey is exactly 43 base64 characters (A-Z, a-z, 0-9, +, /)",
                "callbackAesKey",
            )
        app.callback_aes_key = change.aes_key
    if app.id is None:  # a new app: given secrets, shown once
        app.callback_token = app.callback_token or exmailcrypt.new_token()
        app.callback_aes_key = app.callback_aes_key or exmailcrypt.new_aes_key()
    if app.callback_format is CallbackFormat.EXMAIL and not (
        app.callback_token and app.callback_aes_key
    ):
        raise AdminError(
            AdminErrorCode.INVALID,
            "the Exmail format needs a Token and an EncodingAESKey: give both",
            "callbackToken",
        )


async def verify(app: OpenApp, timeout: float) -> None:
    """For an Exmail-format app with a URL: the receiver must answer our ``echostr``
    decrypted, else CALLBACK_UNVERIFIED (and nothing is saved)."""
    if app.callback_format is not CallbackFormat.EXMAIL or not app.webhook_url:
        return
    keys = CallbackKeys(app.callback_token, app.callback_aes_key, app.corpid)
    problem = await check_url(keys, app.webhook_url, timeout)
    if problem:
        raise AdminError(AdminErrorCode.CALLBACK_UNVERIFIED, problem, "webhookUrl")
