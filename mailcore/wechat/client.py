"""HTTP client of the WeChat ``sns/jscode2session`` API (mini-program login codes)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from mailcore.config import Settings

MAX_CODE = 256
TIMEOUT = 10.0


@dataclass(frozen=True)
class WechatSession:
    openid: str
    session_key: str
    unionid: str | None = None


class WechatError(Exception):
    """The API refused the code (``errcode``), or could not be reached (``errcode`` None)."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errcode = errcode


class WechatApi:
    def __init__(self, base_url: str, appid: str, secret: str, timeout: float = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self.secret = secret
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> WechatApi:
        return cls(settings.wechat_api_url, settings.wechat_appid, settings.wechat_secret)

    async def code_to_session(self, code: str) -> WechatSession:
        """The openid behind a mini-program login code (each code works once, for 5 minutes)."""
        if not self.appid or not self.secret:
            raise WechatError("WeChat is not configured (QIYOU_WECHAT_APPID/SECRET)")
        params = {
            "appid": self.appid,
            "secret": self.secret,
            "js_code": code[:MAX_CODE],
            "grant_type": "authorization_code",
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.get(f"{self.base_url}/sns/jscode2session", params=params)
        except httpx.HTTPError as exc:
            raise WechatError(f"the WeChat API could not be reached: {exc}") from exc
        if response.status_code != 200:
            raise WechatError(f"the WeChat API answered HTTP {response.status_code}")
        try:
            # WeChat sends JSON, sometimes labelled text/plain.
            body = json.loads(response.text)
        except ValueError as exc:
            raise WechatError("the WeChat API answered something that is not JSON") from exc
        if not isinstance(body, dict):
            raise WechatError("the WeChat API answered something that is not an object")
        errcode = body.get("errcode") or 0
        if errcode:
            code_number = errcode if isinstance(errcode, int) else -1
            raise WechatError(str(body.get("errmsg") or "refused")[:200], code_number)
        openid = body.get("openid")
        if not isinstance(openid, str) or not openid or len(openid) > 128:
            raise WechatError("the WeChat API answered without an openid")
        unionid = body.get("unionid")
        return WechatSession(
            openid=openid,
            session_key=str(body.get("session_key") or ""),
            unionid=unionid if isinstance(unionid, str) and len(unionid) <= 128 else None,
        )
