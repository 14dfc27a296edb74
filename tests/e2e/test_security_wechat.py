"""WeChat secure login (A16) end to end: binding through the code-to-session API, the QR
login confirmed from the mini-program, the browser receiving its token over a subscription.

The WeChat API is a real HTTP server on loopback (``FakeWechat``) speaking the
``sns/jscode2session`` protocol; the Qiyou server of this module is started with
``QIYOU_WECHAT_API_URL`` pointing at it.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import websockets

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, Subscription, login
from tests.e2e.server import PASSWORD, Server
from tests.e2e.test_security import BoundClient, new_member

APPID = "wx-test-app"
SECRET = "wx-test-secret"

LOGIN = """
mutation Login($email: String!, $password: String!, $client: LoginClient, $code: String) {
  login(email: $email, password: $password, client: $client, wechatCode: $code) {
    __typename
    ... on LoginSuccess { token me { email } }
    ... on SecondFactorRequired { ticket method qrPng qrText expiresIn }
    ... on AuthError { code field message }
  }
}
"""
BIND = """
mutation Bind($code: String!) {
  bindWechat(code: $code) {
    __typename ... on WechatBound { boundAt } ... on AuthError { code field message }
  }
}
"""
UNBIND = "mutation { unbindWechat { __typename ... on AuthError { code } } }"
SCAN = """
mutation Scan($ticket: String!) {
  scanQrLogin(ticket: $ticket) {
    __typename ... on QrLoginInfo { status ip } ... on AuthError { code field }
  }
}
"""
CONFIRM = """
mutation Confirm($ticket: String!, $approve: Boolean!) {
  confirmQrLogin(ticket: $ticket, approve: $approve) {
    __typename ... on QrLoginInfo { status } ... on AuthError { code field }
  }
}
"""
WATCH = """
subscription Watch($ticket: String!) {
  qrLoginStatus(ticket: $ticket) { status token mustChangePassword }
}
"""
SECURE = """
mutation Secure($enabled: Boolean!, $email: String) {
  setSecureLogin(enabled: $enabled, email: $email) {
    __typename ... on SecureLoginSetting { enabled } ... on AdminError { code }
  }
}
"""
MY_SECURITY = "{ mySecurity { secureLogin wechatBound } }"
ME = "{ me { email } }"
MY_LOGINS = "{ myLogins(first: 5) { edges { node { client success reason } } } }"
NEW_MAIL = "subscription { newMail { id } }"


class FakeWechat:
    """A loopback server speaking WeChat's ``GET /sns/jscode2session`` (codes work once)."""

    def __init__(self) -> None:
        self.codes: dict[str, dict[str, str]] = {}
        self.requests: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append(query)
                body = fake.answer(url.path, query)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")  # as WeChat labels it
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

    def answer(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        if path != "/sns/jscode2session":
            return {"errcode": 404, "errmsg": "no such API"}
        if query.get("appid") != APPID:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != SECRET:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if query.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        code = query.get("js_code", "")
        if code == "busy":
            return {"errcode": -1, "errmsg": "system error"}
        identity = self.codes.pop(code, None)
        if identity is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"session_key": base64.b64encode(uuid.uuid4().bytes).decode(), **identity}

    def issue(self, openid: str) -> str:
        """A fresh login code of the WeChat user ``openid`` (what wx.login gives)."""
        code = uuid.uuid4().hex
        self.codes[code] = {"openid": openid, "unionid": f"union-{openid}"}
        return code

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture(scope="module")
def wechat() -> Iterator[FakeWechat]:
    fake = FakeWechat()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def wx_server(request, wechat, tmp_path_factory) -> Iterator[Server]:
    """A server of our own whose WeChat API is the fake one."""
    env = {
        "QIYOU_WECHAT_API_URL": wechat.url,
        "QIYOU_WECHAT_APPID": APPID,
        "QIYOU_WECHAT_SECRET": SECRET,
    }
    data_dir = tmp_path_factory.mktemp(f"wechat-{request.param}")
    with private_server(request.param, data_dir, env) as srv:
        yield srv


class QrWatch(Subscription):
    """The browser's anonymous websocket, following one QR login ticket."""

    def __init__(self, ws_url: str, ticket: str, query: str = WATCH) -> None:
        super().__init__(ws_url, None, query)
        self.ticket = ticket

    async def __aenter__(self) -> QrWatch:
        self.ws = await websockets.connect(self.ws_url, subprotocols=["graphql-transport-ws"])
        init = {"type": "connection_init", "payload": {"purpose": "qrLogin"}}
        await self.ws.send(json.dumps(init))
        assert json.loads(await self.ws.recv())["type"] == "connection_ack"
        payload = {"query": self.query, "variables": {"ticket": self.ticket}}
        await self.ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return self

    async def status(self) -> dict:
        return (await self.next())["qrLoginStatus"]


async def sign_in(server: Server, email: str, **variables: Any) -> dict:
    client = GraphQLClient(server.graphql_url)
    return (await client.data(LOGIN, email=email, password=PASSWORD, **variables))["login"]


async def mini_program(server: Server, email: str) -> GraphQLClient:
    """A mini-program session (before secure login is on)."""
    result = await sign_in(server, email, client="MINIPROGRAM")
    assert result["__typename"] == "LoginSuccess", result
    return GraphQLClient(server.graphql_url, result["token"])


async def bound(server: Server, wechat: FakeWechat, email: str) -> GraphQLClient:
    mini = await mini_program(server, email)
    result = (await mini.data(BIND, code=wechat.issue(f"openid-{email}")))["bindWechat"]
    assert result["__typename"] == "WechatBound", result
    return mini


async def test_qr_login_confirmed_in_the_mini_program(wx_server, wechat):
    admin = await login(wx_server.graphql_url, "admin@example.com", PASSWORD)
    email = await new_member(admin, "qr")
    web = await login(wx_server.graphql_url, email, PASSWORD)
    phone = await bound(wx_server, wechat, email)
    sent = wechat.requests[-1]
    assert (sent["appid"], sent["secret"], sent["grant_type"]) == (
        APPID,
        SECRET,
        "authorization_code",
    )
    assert (await phone.data(MY_SECURITY))["mySecurity"] == {
        "secureLogin": False,
        "wechatBound": True,
    }
    bob_phone = await bound(wx_server, wechat, "bob@example.com")
    assert (await admin.data(SECURE, enabled=True))["setSecureLogin"]["enabled"] is True
    try:
        challenge = await sign_in(wx_server, email)
        assert challenge["__typename"] == "SecondFactorRequired"
        assert challenge["method"] == "WECHAT_QR" and 0 < challenge["expiresIn"] <= 120
        assert base64.b64decode(challenge["qrPng"]).startswith(b"\x89PNG\r\n\x1a\n")
        assert challenge["ticket"] in challenge["qrText"]
        ticket = challenge["ticket"]

        async with QrWatch(wx_server.ws_url, ticket) as browser:
            assert await browser.status() == {
                "status": "PENDING",
                "token": None,
                "mustChangePassword": False,
            }
            from_web = (await web.data(CONFIRM, ticket=ticket, approve=True))["confirmQrLogin"]
            assert from_web["code"] == "MINIPROGRAM_REQUIRED"
            not_hers = await bob_phone.data(CONFIRM, ticket=ticket, approve=True)
            assert not_hers["confirmQrLogin"]["code"] == "TICKET_EXPIRED"

            scanned = (await phone.data(SCAN, ticket=challenge["qrText"]))["scanQrLogin"]
            assert scanned == {"__typename": "QrLoginInfo", "status": "SCANNED", "ip": "127.0.0.1"}
            assert (await browser.status())["status"] == "SCANNED"
            approved = (await phone.data(CONFIRM, ticket=ticket, approve=True))["confirmQrLogin"]
            assert approved["status"] == "APPROVED"
            final = await browser.status()
        assert final["status"] == "APPROVED" and final["token"]

        signed_in = GraphQLClient(wx_server.graphql_url, final["token"])
        assert (await signed_in.data(ME))["me"]["email"] == email
        newest = (await signed_in.data(MY_LOGINS))["myLogins"]["edges"][0]["node"]
        assert newest == {"client": "WEB", "success": True, "reason": "wechat_qr"}

        again = (await phone.data(CONFIRM, ticket=ticket, approve=True))["confirmQrLogin"]
        assert again["code"] == "TICKET_EXPIRED"
        async with QrWatch(wx_server.ws_url, ticket) as late:
            assert await late.status() == {
                "status": "EXPIRED",
                "token": None,
                "mustChangePassword": False,
            }, "a ticket gives one session"
    finally:
        await admin.data(SECURE, enabled=False)


async def test_a_refused_qr_login_gives_no_token(wx_server, wechat):
    admin = await login(wx_server.graphql_url, "admin@example.com", PASSWORD)
    email = await new_member(admin, "deny")
    phone = await bound(wx_server, wechat, email)
    await admin.data(SECURE, enabled=True, email=email)
    ticket = (await sign_in(wx_server, email))["ticket"]
    async with QrWatch(wx_server.ws_url, ticket) as browser:
        assert (await browser.status())["status"] == "PENDING"
        denied = (await phone.data(CONFIRM, ticket=ticket, approve=False))["confirmQrLogin"]
        assert denied["status"] == "DENIED"
        assert await browser.status() == {
            "status": "DENIED",
            "token": None,
            "mustChangePassword": False,
        }
    reasons = [e["node"]["reason"] for e in (await phone.data(MY_LOGINS))["myLogins"]["edges"]]
    assert reasons[:2] == ["denied", "second_factor_pending"]


async def test_binding_wechat_checks_the_code_with_the_api(wx_server, wechat):
    admin = await login(wx_server.graphql_url, "admin@example.com", PASSWORD)
    first = await mini_program(wx_server, await new_member(admin, "bind"))
    second = await mini_program(wx_server, await new_member(admin, "bind"))

    invalid = (await first.data(BIND, code="made-up"))["bindWechat"]
    assert (invalid["code"], invalid["field"]) == ("INVALID_CODE", "code")
    busy = (await first.data(BIND, code="busy"))["bindWechat"]
    assert busy["code"] == "WECHAT_UNAVAILABLE"
    assert (await first.data(UNBIND))["unbindWechat"]["code"] == "WECHAT_NOT_BOUND"

    code = wechat.issue("openid-shared")
    assert (await first.data(BIND, code=code))["bindWechat"]["__typename"] == "WechatBound"
    reused = (await first.data(BIND, code=code))["bindWechat"]
    assert reused["code"] == "WECHAT_ALREADY_BOUND"
    taken = (await second.data(BIND, code=wechat.issue("openid-shared")))["bindWechat"]
    assert taken["code"] == "WECHAT_ALREADY_BOUND", "one WeChat account, one mailbox"
    assert (await second.data(MY_SECURITY))["mySecurity"]["wechatBound"] is False

    assert (await first.data(UNBIND))["unbindWechat"] == {"__typename": "Done"}
    assert (await first.data(MY_SECURITY))["mySecurity"]["wechatBound"] is False
    rebound = (await second.data(BIND, code=wechat.issue("openid-shared")))["bindWechat"]
    assert rebound["__typename"] == "WechatBound"


async def test_the_mini_program_signs_in_with_its_wechat_account(wx_server, wechat):
    admin = await login(wx_server.graphql_url, "admin@example.com", PASSWORD)
    email = await new_member(admin, "mini")
    await bound(wx_server, wechat, email)
    await admin.data(SECURE, enabled=True, email=email)

    own = await sign_in(
        wx_server, email, client="MINIPROGRAM", code=wechat.issue(f"openid-{email}")
    )
    assert own["__typename"] == "LoginSuccess"
    stranger = await sign_in(
        wx_server, email, client="MINIPROGRAM", code=wechat.issue("openid-stranger")
    )
    assert (stranger["code"], stranger["field"]) == ("WECHAT_MISMATCH", "wechatCode")
    on_the_web = await sign_in(wx_server, email, code=wechat.issue(f"openid-{email}"))
    assert on_the_web["__typename"] == "SecondFactorRequired", "the web needs the QR code"

    # Secure login on before binding: the first mini-program login binds WeChat.
    fresh = await new_member(admin, "fresh")
    await admin.data(SECURE, enabled=True, email=fresh)
    assert (await sign_in(wx_server, fresh))["code"] == "SECOND_FACTOR_UNAVAILABLE"
    first = await sign_in(wx_server, fresh, client="MINIPROGRAM", code=wechat.issue("openid-f"))
    assert first["__typename"] == "LoginSuccess"
    phone = GraphQLClient(wx_server.graphql_url, first["token"])
    assert (await phone.data(MY_SECURITY))["mySecurity"] == {
        "secureLogin": True,
        "wechatBound": True,
    }
    assert (await sign_in(wx_server, fresh))["method"] == "WECHAT_QR"


async def test_the_anonymous_websocket_only_follows_qr_logins(wx_server):
    async with QrWatch(wx_server.ws_url, "no-such-ticket") as unknown:
        assert (await unknown.status())["status"] == "EXPIRED"
    async with QrWatch(wx_server.ws_url, "x", query=NEW_MAIL) as sneaky:
        message = json.loads(await sneaky.ws.recv())
    assert message["type"] in ("error", "next")
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert "Sign in first" in json.dumps(errors)


async def test_confirming_needs_a_signed_in_mini_program(wx_server):
    anonymous = BoundClient(wx_server.graphql_url, ip="127.0.0.1")
    body = await anonymous.execute(CONFIRM, ticket="x", approve=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
