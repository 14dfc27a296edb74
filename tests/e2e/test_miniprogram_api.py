"""Mini-program GraphQL end to end: WeChat sign-in binding on first use
(``wechatLogin`` → ``bindWechatWithPassword``), unbinding, and new-mail subscribe messages
sent through WeChat's ``cgi-bin/token`` + ``cgi-bin/message/subscribe/send``.

WeChat is a real HTTP server on loopback (``WechatServer``) speaking those APIs; the Qiyou
server of this module points ``QIYOU_WECHAT_API_URL`` at it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import mx, simple_mail, unique
from tests.e2e.server import PASSWORD, Server, seed

APPID = "wx-mp-app"
SECRET = "wx-mp-secret"
TEMPLATE = "tmpl-new-mail"

WECHAT_LOGIN = """
mutation W($code: String!) {
  wechatLogin(code: $code) {
    __typename
    ... on LoginSuccess { token me { email } }
    ... on WechatBindRequired { ticket expiresIn }
    ... on AuthError { code field message }
  }
}
"""
BIND = """
mutation B($ticket: String!, $email: String!, $password: String!) {
  bindWechatWithPassword(ticket: $ticket, email: $email, password: $password) {
    __typename
    ... on LoginSuccess { token me { email } }
    ... on AuthError { code field message }
  }
}
"""
UNBIND = "mutation { unbindWechat { __typename ... on AuthError { code } } }"
CONFIG = "{ miniprogramConfig { wechatEnabled mailTemplateId } }"
ACCEPT = """
mutation A($t: String!) {
  acceptMailNotification(templateId: $t) {
    __typename ... on MailNotifications { templateId remaining } ... on AuthError { code field }
  }
}
"""
REMAINING = "{ myMailNotifications { templateId remaining } }"
MY_SECURITY = "{ mySecurity { wechatBound } }"
MY_LOGINS = "{ myLogins(first: 1) { edges { node { client success reason } } } }"


class WechatServer:
    """Loopback WeChat API: jscode2session, cgi-bin/token, message/subscribe/send."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.tokens: set[str] = set()
        self.sent: list[dict[str, Any]] = []
        self.refuse_next = 0  # answer 43101 to this many sends
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                url = urlparse(self.path)
                self.reply(fake.get(url.path, {k: v[0] for k, v in parse_qs(url.query).items()}))

            def do_POST(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.reply(fake.post(url.path, query, json.loads(body or b"{}")))

            def reply(self, body: dict[str, Any]) -> None:
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

    def get(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        if (query.get("appid"), query.get("secret")) != (APPID, SECRET):
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if path == "/sns/jscode2session":
            openid = self.codes.pop(query.get("js_code", ""), None)
            if openid is None:
                return {"errcode": 40029, "errmsg": "invalid code"}
            return {"openid": openid, "session_key": "k"}
        if path == "/cgi-bin/token" and query.get("grant_type") == "client_credential":
            token = uuid.uuid4().hex
            self.tokens.add(token)
            return {"access_token": token, "expires_in": 7200}
        return {"errcode": 404, "errmsg": "no such API"}

    def post(self, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if path != "/cgi-bin/message/subscribe/send":
            return {"errcode": 404, "errmsg": "no such API"}
        if query.get("access_token") not in self.tokens:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        if self.refuse_next:
            self.refuse_next -= 1
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        self.sent.append(body)
        return {"errcode": 0, "errmsg": "ok"}

    def issue(self, openid: str) -> str:
        code = uuid.uuid4().hex
        self.codes[code] = openid
        return code


@pytest.fixture(scope="module")
def wechat() -> Iterator[WechatServer]:
    fake = WechatServer()
    fake.thread.start()
    yield fake
    fake.http.shutdown()
    fake.http.server_close()


@pytest.fixture(scope="module", params=BACKENDS)
def mp_server(request, wechat, tmp_path_factory) -> Iterator[Server]:
    env = {
        "QIYOU_WECHAT_API_URL": wechat.url,
        "QIYOU_WECHAT_APPID": APPID,
        "QIYOU_WECHAT_SECRET": SECRET,
        "QIYOU_WECHAT_MAIL_TEMPLATE": TEMPLATE,
    }

    def members(srv: Server) -> None:
        names = ("mina", "milo", "mona")
        seed(srv, domains=("mp.example",), members={f"{n}@mp.example": {"name": n} for n in names})

    data_dir = tmp_path_factory.mktemp(f"mp-{request.param}")
    with private_server(request.param, data_dir, env, before_start=members) as srv:
        yield srv


async def wechat_login(server: Server, code: str) -> dict[str, Any]:
    return (await GraphQLClient(server.graphql_url).data(WECHAT_LOGIN, code=code))["wechatLogin"]


async def bind(server: Server, wechat: WechatServer, email: str, openid: str) -> GraphQLClient:
    ticket = (await wechat_login(server, wechat.issue(openid)))["ticket"]
    done = (
        await GraphQLClient(server.graphql_url).data(
            BIND, ticket=ticket, email=email, password=PASSWORD
        )
    )["bindWechatWithPassword"]
    assert done["__typename"] == "LoginSuccess", done
    return GraphQLClient(server.graphql_url, done["token"])


async def test_first_login_binds_then_opens_straight_into_the_mailbox(mp_server, wechat):
    anonymous = GraphQLClient(mp_server.graphql_url)
    config = (await anonymous.data(CONFIG))["miniprogramConfig"]
    assert config == {"wechatEnabled": True, "mailTemplateId": TEMPLATE}

    refused = await wechat_login(mp_server, "not-a-code-wechat-knows")
    assert refused["__typename"] == "AuthError" and refused["code"] == "INVALID_CODE"

    first = await wechat_login(mp_server, wechat.issue("openid-mina"))
    assert first["__typename"] == "WechatBindRequired" and 0 < first["expiresIn"] <= 600
    ticket = first["ticket"]

    wrong = (
        await anonymous.data(BIND, ticket=ticket, email="mina@mp.example", password="nope-nope")
    )["bindWechatWithPassword"]
    assert (wrong["__typename"], wrong["code"]) == ("AuthError", "INVALID_CREDENTIALS")
    bogus = (
        await anonymous.data(BIND, ticket="made-up", email="mina@mp.example", password=PASSWORD)
    )["bindWechatWithPassword"]
    assert bogus["code"] == "TICKET_EXPIRED"

    done = (await anonymous.data(BIND, ticket=ticket, email="mina@mp.example", password=PASSWORD))[
        "bindWechatWithPassword"
    ]
    assert done["__typename"] == "LoginSuccess" and done["me"]["email"] == "mina@mp.example"
    phone = GraphQLClient(mp_server.graphql_url, done["token"])
    assert (await phone.data(MY_SECURITY))["mySecurity"]["wechatBound"] is True
    newest = (await phone.data(MY_LOGINS))["myLogins"]["edges"][0]["node"]
    assert newest == {"client": "MINIPROGRAM", "success": True, "reason": "wechat_code"}

    again = (await anonymous.data(BIND, ticket=ticket, email="milo@mp.example", password=PASSWORD))[
        "bindWechatWithPassword"
    ]
    assert again["code"] == "TICKET_EXPIRED", "a ticket binds once"

    straight = await wechat_login(mp_server, wechat.issue("openid-mina"))
    assert straight["__typename"] == "LoginSuccess"
    assert straight["me"]["email"] == "mina@mp.example"

    # Milo cannot take over Mina's WeChat account, nor bind a second one to his mailbox twice.
    milo = await bind(mp_server, wechat, "milo@mp.example", "openid-milo")
    ticket = (await wechat_login(mp_server, wechat.issue("openid-milo-2")))["ticket"]
    twice = (await anonymous.data(BIND, ticket=ticket, email="milo@mp.example", password=PASSWORD))[
        "bindWechatWithPassword"
    ]
    assert twice["code"] == "WECHAT_ALREADY_BOUND"

    # Unbinding (here from the mini-program; the web uses the same mutation) ends the shortcut.
    assert (await milo.data(UNBIND))["unbindWechat"]["__typename"] == "Done"
    after = await wechat_login(mp_server, wechat.issue("openid-milo"))
    assert after["__typename"] == "WechatBindRequired"


async def test_disabled_member_cannot_sign_in_with_wechat(mp_server, wechat):
    await bind(mp_server, wechat, "mona@mp.example", "openid-mona")
    mp_server.mailcore(
        "return await Member.filter(email=args['email']).update(enabled=False)",
        email="mona@mp.example",
    )
    refused = await wechat_login(mp_server, wechat.issue("openid-mona"))
    assert refused["code"] == "ACCOUNT_DISABLED"


async def _sent_to(wechat: WechatServer, openid: str, count: int) -> list[dict[str, Any]]:
    for _ in range(100):
        mine = [s for s in wechat.sent if s["touser"] == openid]
        if len(mine) >= count:
            return mine
        await asyncio.sleep(0.05)
    return [s for s in wechat.sent if s["touser"] == openid]


async def test_new_mail_subscribe_message_once_per_acceptance(mp_server, wechat):
    email = f"{unique('sub').replace(' ', '-')}@mp.example"
    mp_server.cli("user", "add", email, "--password", PASSWORD)
    openid = f"openid-{email}"
    unbound = await login(mp_server.graphql_url, email, PASSWORD)
    not_bound = (await unbound.data(ACCEPT, t=TEMPLATE))["acceptMailNotification"]
    assert not_bound["code"] == "WECHAT_NOT_BOUND"

    phone = await bind(mp_server, wechat, email, openid)
    wrong = (await phone.data(ACCEPT, t="someone-elses-template"))["acceptMailNotification"]
    assert (wrong["code"], wrong["field"]) == ("INVALID", "templateId")
    accepted = (await phone.data(ACCEPT, t=TEMPLATE))["acceptMailNotification"]
    assert accepted == {"__typename": "MailNotifications", "templateId": TEMPLATE, "remaining": 1}

    subject = unique("报价单")
    with mx(mp_server.smtp_port) as smtp:
        smtp.sendmail(
            "partner@outside.test", [email], simple_mail("partner@outside.test", email, subject)
        )
    sent = await _sent_to(wechat, openid, 1)
    assert len(sent) == 1
    assert sent[0]["template_id"] == TEMPLATE
    assert sent[0]["data"]["thing1"]["value"] == "partner@outside.test"[:20]
    assert sent[0]["data"]["thing2"]["value"] == subject[:20]
    assert sent[0]["page"].startswith("pages/message/message?id=")
    assert (await phone.data(REMAINING))["myMailNotifications"]["remaining"] == 0

    with mx(mp_server.smtp_port) as smtp:
        smtp.sendmail(
            "partner@outside.test", [email], simple_mail("partner@outside.test", email, unique("x"))
        )
    await asyncio.sleep(0.5)
    assert len([s for s in wechat.sent if s["touser"] == openid]) == 1, "no acceptance left"

    # WeChat says the acceptance is gone (43101): the credits are cleared, nothing is retried.
    await phone.data(ACCEPT, t=TEMPLATE)
    await phone.data(ACCEPT, t=TEMPLATE)
    wechat.refuse_next = 1
    with mx(mp_server.smtp_port) as smtp:
        smtp.sendmail(
            "partner@outside.test", [email], simple_mail("partner@outside.test", email, unique("y"))
        )
    for _ in range(100):
        if (await phone.data(REMAINING))["myMailNotifications"]["remaining"] == 0:
            break
        await asyncio.sleep(0.05)
    assert (await phone.data(REMAINING))["myMailNotifications"]["remaining"] == 0
    assert len([s for s in wechat.sent if s["touser"] == openid]) == 1


CONVERSATION = """
query C($id: ID!) { conversation(id: $id) { subject messageCount messages { subject } } }
"""
THREAD_OF = "query M($id: ID!) { message(id: $id) { conversationId } }"
INBOX = "{ messages(first: 20) { edges { node { id subject } } } }"


async def test_conversation_is_the_members_own(mp_server, wechat):
    mina = await login(mp_server.graphql_url, "mina@mp.example", PASSWORD)
    subject = unique("会话")
    with mx(mp_server.smtp_port) as smtp:
        smtp.sendmail(
            "partner@outside.test",
            ["mina@mp.example"],
            simple_mail("partner@outside.test", "mina@mp.example", subject),
        )
    for _ in range(100):
        edges = (await mina.data(INBOX))["messages"]["edges"]
        found = [e["node"] for e in edges if e["node"]["subject"] == subject]
        if found:
            break
        await asyncio.sleep(0.05)
    assert found, "the mail arrived"
    thread = (await mina.data(THREAD_OF, id=found[0]["id"]))["message"]["conversationId"]
    got = (await mina.data(CONVERSATION, id=thread))["conversation"]
    assert got == {"subject": subject, "messageCount": 1, "messages": [{"subject": subject}]}

    # Another member asking for Mina's conversation gets NOT_FOUND, like an unknown id.
    milo = await login(mp_server.graphql_url, "milo@mp.example", PASSWORD)
    for client, value in ((milo, thread), (mina, "999999"), (mina, "not-a-number")):
        body = await client.execute(CONVERSATION, id=value)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body
