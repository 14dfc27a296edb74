"""HTTP client of the WeChat server API: ``sns/jscode2session`` (mini-program login codes),
``cgi-bin/token`` and ``cgi-bin/message/subscribe/send`` (subscribe messages)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from mailcore.core.config import Settings
from mailcore.core.locks import singleton
from mailcore.core.models import WechatAccessToken

log = logging.getLogger(__name__)

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
#
# WeChat keeps one access token per AppID: fetching a new one spoils the one before, so
# every node uses the token stored in the database (``WechatAccessToken``). It is renewed
# ``TOKEN_MARGIN`` seconds before it expires, or when WeChat calls it invalid, by one node at
# a time (``core.locks.singleton``); the others wait for the new row. Each node keeps the
# token it last read in memory and reads the row again only when that one expires or fails.

TOKEN_MARGIN = 300.0  # renew an access token this many seconds before it expires
TOKEN_EXPIRED = {40001, 40014, 42001}  # the token is invalid or expired: fetch a new one
TOKEN_WAIT = 15.0  # seconds to wait for another node's renewal before giving up
TOKEN_POLL = 0.05  # seconds between reads of the row while another node renews it
_tokens: dict[str, tuple[str, datetime]] = {}  # app key → (token, renew after)


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


def _app_key(api: WechatApi) -> str:
    return hashlib.sha256(f"{api.base_url} {api.appid}".encode()).hexdigest()


async def _stored(key: str, spoiled: str) -> tuple[str, datetime] | None:
    """The stored token if it is still good (not about to expire, not ``spoiled``)."""
    row = await WechatAccessToken.filter(app=key).first()
    if row is None or row.token == spoiled:
        return None
    renew_after = row.expires_at - timedelta(seconds=TOKEN_MARGIN)
    return (row.token, renew_after) if renew_after > datetime.now(UTC) else None


async def _fetch(api: WechatApi, http: httpx.AsyncClient, key: str) -> tuple[str, datetime]:
    """A new token from ``cgi-bin/token``, stored for every node."""
    params = {"grant_type": "client_credential", "appid": api.appid, "secret": api.secret}
    try:
        response = await http.get(f"{api.base_url}/cgi-bin/token", params=params)
    except httpx.HTTPError as exc:
        raise WechatError(f"the WeChat API could not be reached: {exc}") from exc
    body = _answer(response)
    token = body.get("access_token")
    if not isinstance(token, str) or not token or len(token) > 512:
        raise WechatError("the WeChat API answered without an access_token")
    try:
        lifetime = max(float(body.get("expires_in") or 7200), TOKEN_MARGIN + 60.0)
    except (TypeError, ValueError):
        lifetime = 7200.0
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=lifetime)
    await WechatAccessToken.update_or_create(
        defaults={"token": token, "expires_at": expires_at, "fetched_at": now}, app=key
    )
    log.info("fetched a new WeChat access token (good for %d s)", lifetime)
    return token, expires_at - timedelta(seconds=TOKEN_MARGIN)


async def _access_token(api: WechatApi, http: httpx.AsyncClient, *, spoiled: str = "") -> str:
    """The access token every node shares; ``spoiled``: WeChat refused that one."""
    key = _app_key(api)
    cached = _tokens.get(key)
    if cached and cached[0] != spoiled and cached[1] > datetime.now(UTC):
        return cached[0]
    deadline = time.monotonic() + TOKEN_WAIT
    while True:
        good = await _stored(key, spoiled)
        if good is None:
            async with singleton(f"wechat-token-{key[:16]}") as held:
                if held:  # renew, unless the node that held the lock just did
                    good = await _stored(key, spoiled) or await _fetch(api, http, key)
        if good is not None:
            _tokens[key] = good
            return good[0]
        if time.monotonic() > deadline:
            raise WechatError("no WeChat access token: another node's renewal did not finish")
        await asyncio.sleep(TOKEN_POLL)


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
        spoiled = ""
        for retry in (False, True):
            token = await _access_token(api, http, spoiled=spoiled)
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
                if exc.errcode in TOKEN_EXPIRED and not retry:
                    spoiled = token  # renewed once (by this node or another), then retried
                    continue
                raise
