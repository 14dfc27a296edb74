"""A loopback WeChat server API: ``sns/jscode2session`` (binding), ``cgi-bin/token`` and
``cgi-bin/message/subscribe/send`` (subscribe messages), in WeChat's answer shapes.

Access tokens are issued and checked (``token_fetches`` counts the issued ones); every
subscribe message sent is kept in ``sent``.
Users in ``no_acceptance`` get errcode 43101 (no subscribe acceptance left).
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

APPID = "wx-confidential-app"
SECRET = "wx-confidential-secret"


class WechatApi:
    def __init__(self) -> None:
        self.codes: dict[str, str] = {}  # login code → openid
        self.tokens: set[str] = set()
        self.token_fetches = 0
        self.sent: list[dict[str, Any]] = []
        self.no_acceptance: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")  # as WeChat labels it
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                self._reply(fake.get(url.path, query))

            def do_POST(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                payload = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._reply(fake.post(url.path, query, payload))

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}"

    def get(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appid") != APPID:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != SECRET:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if path == "/cgi-bin/token" and query.get("grant_type") == "client_credential":
            token = uuid.uuid4().hex
            self.tokens.add(token)
            self.token_fetches += 1
            return {"access_token": token, "expires_in": 7200}
        if path == "/sns/jscode2session" and query.get("grant_type") == "authorization_code":
            openid = self.codes.pop(query.get("js_code", ""), None)
            if openid is None:
                return {"errcode": 40029, "errmsg": "invalid code"}
            return {"openid": openid, "session_key": uuid.uuid4().hex}
        return {"errcode": 40002, "errmsg": "invalid grant_type or path"}

    def post(self, path: str, query: dict[str, str], payload: bytes) -> dict[str, Any]:
        if path != "/cgi-bin/message/subscribe/send":
            return {"errcode": 404, "errmsg": "no such API"}
        if query.get("access_token") not in self.tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        message = json.loads(payload)
        if not message.get("template_id") or not isinstance(message.get("data"), dict):
            return {"errcode": 47003, "errmsg": "argument invalid"}
        if message.get("touser") in self.no_acceptance:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        self.sent.append(message)
        return {"errcode": 0, "errmsg": "ok"}

    def issue(self, openid: str) -> str:
        """A fresh mini-program login code of ``openid`` (what ``wx.login`` gives)."""
        code = uuid.uuid4().hex
        self.codes[code] = openid
        return code

    def last_value(self, openid: str, key: str) -> str:
        message = next(m for m in reversed(self.sent) if m["touser"] == openid)
        return message["data"][key]["value"]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()
