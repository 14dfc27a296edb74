"""The SMS interface and the choice of provider from settings."""

from __future__ import annotations

import re
from typing import Protocol

from mailcore.core.config import Settings
from mailcore.sms.errors import SmsError

PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


class SmsSender(Protocol):
    async def send_code(self, phone: str, code: str, minutes: int) -> None:
        """Send a one-time ``code`` valid for ``minutes`` to ``phone`` (E.164), or raise."""
        ...

    async def send_notice(self, phone: str, template: str, params: list[str]) -> None:
        """Send approved ``template`` filled with ``params`` (a reminder) to ``phone``, or raise."""
        ...


def e164(mobile: str, default_country: str = "86") -> str:
    """A directory mobile number as E.164: ``13800000000`` → ``+8613800000000``."""
    digits = re.sub(r"[\s\-()]", "", mobile or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        digits = f"+{default_country}{digits}"
    if not PHONE.match(digits):
        raise SmsError(f"not a mobile number: {mobile!r}", "InvalidPhoneNumber")
    return digits


def sms_sender(settings: Settings) -> SmsSender:
    """The configured provider (``QIYOU_SMS_PROVIDER``; only ``tencent`` is built in)."""
    from mailcore.sms.tencent import TencentSms

    if settings.sms_provider != "tencent":
        raise SmsError(f"unknown SMS provider {settings.sms_provider!r}")
    return TencentSms.from_settings(settings)
