"""Tencent Cloud SMS ``SendSms`` (API 3.0, version 2021-01-11) with TC3-HMAC-SHA256 signing.

Request: ``POST {QIYOU_SMS_URL}/`` with a JSON body (``PhoneNumberSet``, ``SmsSdkAppId``,
``SignName``, ``TemplateId``, ``TemplateParamSet`` = [code, minutes] for a one-time code,
or a notice template's own parameters, e.g. a calendar reminder's) and the ``X-TC-*``
headers; the answer is ``{"Response": {"SendStatusSet": [{"Code": "Ok", ...}]}}`` or
``{"Response": {"Error": {"Code": ..., "Message": ...}}}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from urllib.parse import urlparse

import httpx

from mailcore.core.config import Settings
from mailcore.sms.errors import SmsError

ACTION = "SendSms"
VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
TIMEOUT = 10.0


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(
    secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int, service: str
) -> str:
    """The ``Authorization`` header of a TC3-HMAC-SHA256 signed POST of ``payload`` to ``/``."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        [ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


class TencentSms:
    def __init__(
        self,
        url: str,
        secret_id: str,
        secret_key: str,
        region: str,
        app_id: str,
        sign_name: str,
        template_id: str,
        timeout: float = TIMEOUT,
    ) -> None:
        self.url = url.rstrip("/") + "/"
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.region = region
        self.app_id = app_id
        self.sign_name = sign_name
        self.template_id = template_id
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> TencentSms:
        return cls(
            settings.sms_url,
            settings.sms_secret_id,
            settings.sms_secret_key,
            settings.sms_region,
            settings.sms_app_id,
            settings.sms_sign_name,
            settings.sms_template_id,
        )

    async def send_code(self, phone: str, code: str, minutes: int) -> None:
        if not self.template_id:
            raise SmsError("SMS is not configured (QIYOU_SMS_SECRET_ID/KEY/APP_ID/TEMPLATE_ID)")
        await self._send(phone, self.template_id, [code, str(minutes)])

    async def send_notice(self, phone: str, template: str, params: list[str]) -> None:
        if not template:
            raise SmsError("no SMS template for this notice")
        await self._send(phone, template, params)

    async def _send(self, phone: str, template: str, params: list[str]) -> None:
        if not (self.secret_id and self.secret_key and self.app_id):
            raise SmsError("SMS is not configured (QIYOU_SMS_SECRET_ID/KEY/APP_ID)")
        payload = json.dumps(
            {
                "PhoneNumberSet": [phone],
                "SmsSdkAppId": self.app_id,
                "SignName": self.sign_name,
                "TemplateId": template,
                "TemplateParamSet": params,
            },
            ensure_ascii=False,
        ).encode()
        host = urlparse(self.url).netloc
        timestamp = int(time.time())
        headers = {
            "Authorization": sign(
                self.secret_id, self.secret_key, host, payload, timestamp, SERVICE
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": ACTION,
            "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.post(self.url, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise SmsError(f"the SMS provider could not be reached: {exc}") from exc
        try:
            body = response.json()["Response"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SmsError(f"the SMS provider answered HTTP {response.status_code}") from exc
        error = body.get("Error") if isinstance(body, dict) else None
        if error:
            raise SmsError(str(error.get("Message", "refused"))[:200], str(error.get("Code", "")))
        statuses = body.get("SendStatusSet") or []
        status = statuses[0] if statuses and isinstance(statuses[0], dict) else {}
        if status.get("Code") != "Ok":
            raise SmsError(
                str(status.get("Message") or "not sent")[:200], str(status.get("Code", ""))
            )
