"""A loopback Tencent Cloud SMS API: ``SendSms`` (API 3.0, 2021-01-11) with TC3 signatures.

It checks what the real endpoint checks that matters here (action, version, a valid
TC3-HMAC-SHA256 signature of the body with the test key, the app id and template), keeps
every accepted message in ``sent`` and answers in the real response shapes. Numbers in
``blocked`` are refused like an operator refusal (``SendStatusSet`` code not ``Ok``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET_ID = "AKIDqiyoutest"
SECRET_KEY = "qiyou-test-secret-key"
APP_ID = "1400000001"
TEMPLATE_ID = "100001"
SIGN_NAME = "企邮"


def _signature(headers: Any, payload: bytes) -> str:
    """The signature the request should carry, computed from the TC3 specification."""
    timestamp = int(headers["X-TC-Timestamp"])
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = (
        f"POST\n/\n\ncontent-type:{headers['Content-Type']}\nhost:{headers['Host']}\n\n"
        f"content-type;host\n{hashlib.sha256(payload).hexdigest()}"
    )
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n"
        f"{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    key = f"TC3{SECRET_KEY}".encode()
    for part in (date, "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class TencentSms:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.blocked: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                payload = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = {"Response": {**fake.answer(self.headers, payload)}}
                body["Response"]["RequestId"] = str(uuid.uuid4())
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}"

    @staticmethod
    def _error(code: str, message: str) -> dict[str, Any]:
        return {"Error": {"Code": code, "Message": message}}

    def answer(self, headers: Any, payload: bytes) -> dict[str, Any]:
        if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
            return self._error("InvalidAction", "no such action or version")
        auth = headers.get("Authorization", "")
        try:
            date = datetime.fromtimestamp(int(headers["X-TC-Timestamp"]), UTC).strftime("%Y-%m-%d")
            expected = (
                f"TC3-HMAC-SHA256 Credential={SECRET_ID}/{date}/sms/tc3_request, "
                f"SignedHeaders=content-type;host, Signature={_signature(headers, payload)}"
            )
        except (KeyError, ValueError):
            return self._error("AuthFailure.SignatureFailure", "missing signature headers")
        if not hmac.compare_digest(auth, expected):
            return self._error("AuthFailure.SignatureFailure", "the signature is wrong")
        request = json.loads(payload)
        if request.get("SmsSdkAppId") != APP_ID or request.get("TemplateId") != TEMPLATE_ID:
            return self._error("FailedOperation.TemplateIncorrectOrUnapproved", "bad template")
        statuses = []
        for phone in request.get("PhoneNumberSet", []):
            if phone in self.blocked:
                code, message = "FailedOperation.PhoneNumberInBlacklist", "number is blocked"
            else:
                code, message = "Ok", "send success"
                self.sent.append({"phone": phone, **request})
            statuses.append(
                {
                    "SerialNo": uuid.uuid4().hex,
                    "PhoneNumber": phone,
                    "Fee": 1,
                    "SessionContext": "",
                    "Code": code,
                    "Message": message,
                    "IsoCode": "CN",
                }
            )
        return {"SendStatusSet": statuses}

    def last_code(self, phone: str) -> str:
        """The code of the newest message to ``phone`` (template parameter 1)."""
        return next(m for m in reversed(self.sent) if m["phone"] == phone)["TemplateParamSet"][0]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()
