"""HTTP client of the WeChat server API: ``sns/jscode2session`` (mini-program login codes),
``cgi-bin/token`` and ``cgi-bin/message/subscribe/send`` (subscribe messages)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx

from mailcore.core.config import Settings

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


# --- server-side calls with an access token (subscribe messages) ---------------------

TOKEN_MARGIN = 300.0  # renew an access token this many seconds before it expires
TOKEN_EXPIRED = {40001, 40014, 42001}  # the token is invalid or expired: fetch a new one
_tokens: dict[tuple[str, str], tuple[str, float]] = {}  # (base_url, appid) → (token, until)


def _answer(response: httpx.Response) -> dict:
    if response.status_code != 200:
        raise WechatError(f"the WeChat API answered HTTP {response.status_code}")
    try:
        body = json.loads(response.text)
    except ValueError as exc:
        raise WechatError("the WeChat API answered something that is not JSON") from exc
    if not isinstance(body, dict):
        raise WechatError("the WeChat API answered something that is not an object")
    errcode = body.get("errcode") or 0
    if errcode:
        code_number = errcode if isinstance(errcode, int) else -1
        raise WechatError(str(body.get("errmsg") or "refused")[:200], code_number)
    return body


async def _access_token(api: WechatApi, http: httpx.AsyncClient, *, fresh: bool) -> str:
    """The ``cgi-bin/token`` access token, cached per process until shortly before expiry."""
    key = (api.base_url, api.appid)
    cached = _tokens.get(key)
    if cached and not fresh and cached[1] > time.monotonic():
        return cached[0]
    params = {"grant_type": "client_credential", "appid": api.appid, "secret": api.secret}
    try:
        response = await http.get(f"{api.base_url}/cgi-bin/token", params=params)
    except httpx.HTTPError as exc:
        raise WechatError(f"the WeChat API could not be reached: {exc}") from exc
    body = _answer(response)
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise WechatError("the WeChat API answered without an access_token")
    expires = float(body.get("expires_in") or 7200)
    _tokens[key] = (token, time.monotonic() + max(expires - TOKEN_MARGIN, 60.0))
    return token


async def send_subscribe_message(
    api: WechatApi,
    openid: str,
    template_id: str,
    data: dict[str, str],
    *,
    page: str = "",
    state: str = "formal",
) -> None:
    """Send one subscribe message (``cgi-bin/message/subscribe/send``).

    Raises ``WechatError``; errcode 43101 means the user has no acceptance left.
    """
    if not api.appid or not api.secret:
        raise WechatError("WeChat is not configured (QIYOU_WECHAT_APPID/SECRET)")
    payload = {
        "touser": openid,
        "template_id": template_id,
        "page": page,
        "miniprogram_state": state,
        "lang": "zh_CN",
        "data": {key: {"value": value} for key, value in data.items()},
    }
    async with httpx.AsyncClient(timeout=api.timeout) as http:
        for fresh in (False, True):
            token = await _access_token(api, http, fresh=fresh)
            try:
                response = await http.post(
                    f"{api.base_url}/cgi-bin/message/subscribe/send",
                    params={"access_token": token},
                    content=json.dumps(payload, ensure_ascii=False).encode(),
                    headers={"Content-Type": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise WechatError(f"the WeChat API could not be reached: {exc}") from exc
            try:
                _answer(response)
                return
            except WechatError as exc:
                if exc.errcode in TOKEN_EXPIRED and not fresh:
                    continue
                raise
