"""New-mail webhooks, token expiry and rate limits, on a server with short test settings.

The webhook receiver is a real HTTP server on the loopback interface; what it answers is
set per path, so each test has its own app and its own URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD, Server
from tests.e2e.test_openapi import CREATE_APP, UPDATE_APP, OpenApi, create_app

SETTINGS = {
    "QIYOU_WEBHOOK_BACKOFF": "0.3,0.6,5",
    "QIYOU_WEBHOOK_POLL": "0.2",
    "QIYOU_WEBHOOK_MAX_ATTEMPTS": "4",
    "QIYOU_WEBHOOK_TIMEOUT": "5",
    "QIYOU_API_RATE_PER_ENTERPRISE": "20",
    "QIYOU_API_RATE_PER_IP": "120",
}


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """A loopback HTTP server recording POSTs; ``plans[path]`` lists the statuses to answer
    (the last one repeats)."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    plans: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str) -> int:
        with self.lock:
            plan = self.plans.get(path, [200])
            return plan.pop(0) if len(plan) > 1 else plan[0]

    def on(self, path: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.path == path]

    async def wait(self, path: str, count: int, timeout: float = 30) -> list[Call]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.on(path)) < count:
            assert asyncio.get_running_loop().time() < deadline, self.on(path)
            await asyncio.sleep(0.1)
        return self.on(path)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            path = urlparse(self.path).path
            status = state.answer(path)
            with state.lock:
                state.calls.append(Call(path, dict(self.headers.items()), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module", params=BACKENDS)
def hook_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A server of this module only, with the short webhook, token and rate settings."""
    data_dir = tmp_path_factory.mktemp(f"hooks-{request.param}")
    with private_server(request.param, data_dir, dict(SETTINGS)) as srv:
        yield srv


async def newmail_app(server: Server, url: str) -> dict:
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    result = (await admin.data(CREATE_APP, kind="NEWMAIL", webhook=url))["createOpenApp"]
    assert result["__typename"] == "OpenAppSecret", result
    assert result["app"]["webhookUrl"] == url
    return {"corpid": result["app"]["corpid"], "webhook_secret": result["webhookSecret"]}


def deliver(server: Server, to: str, subject: str) -> None:
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("news@outside.test", [to], simple_mail("news@outside.test", to, subject))


def signed(call: Call, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), call.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(call.headers.get("X-Qiyou-Signature", ""), expected)


def for_subject(calls: list[Call], subject: str) -> list[Call]:
    return [c for c in calls if json.loads(c.body)["subject"] == subject]


async def test_new_mail_is_posted_signed_and_retried_after_a_500(hook_server, receiver):
    path = f"/hook/{uuid.uuid4().hex}"
    receiver.plans[path] = [500, 200]
    app = await newmail_app(hook_server, receiver.url + path)
    bob = await login(hook_server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("webhook 新邮件")

    deliver(hook_server, "bob@example.com", subject)

    calls = await receiver.wait(path, 2)
    first, second = calls[0], calls[1]
    assert (first.status, second.status) == (500, 200)
    assert first.body == second.body, "a retry sends the same notification"
    assert signed(second, app["webhook_secret"])
    assert not signed(second, app["webhook_secret"] + "x")
    payload = json.loads(second.body)
    message = await find(bob, subject)
    assert payload["msgid"] == message["id"]
    assert payload["userid"] == "bob@example.com"
    assert payload["from"] == "news@outside.test"
    assert payload["subject"] == subject
    assert isinstance(payload["time"], int) and payload["unread"] >= 1
    await asyncio.sleep(1.5)
    assert len(receiver.on(path)) == 2, "a delivered notification is not sent again"


async def test_a_receiver_that_keeps_failing_is_given_up_after_max_attempts(hook_server, receiver):
    path = f"/down/{uuid.uuid4().hex}"
    receiver.plans[path] = [503]
    app = await newmail_app(hook_server, receiver.url + path)
    subject = unique("webhook give up")

    deliver(hook_server, "alice@example.com", subject)

    calls = await receiver.wait(path, 4)
    await asyncio.sleep(6)  # past the last backoff step: no fifth attempt
    assert len(for_subject(receiver.on(path), subject)) == 4 == len(for_subject(calls, subject))
    admin = await login(hook_server.graphql_url, "admin@example.com", PASSWORD)
    await admin.data(UPDATE_APP, corpid=app["corpid"], enabled=False)


async def test_pending_notifications_survive_a_restart(hook_server, receiver):
    path = f"/restart/{uuid.uuid4().hex}"
    receiver.plans[path] = [503]
    app = await newmail_app(hook_server, receiver.url + path)
    subject = unique("webhook restart")
    deliver(hook_server, "bob@example.com", subject)
    failed = (await receiver.wait(path, 1))[0]

    hook_server.stop()
    receiver.plans[path] = [200]  # only the restarted server can see this answer
    hook_server.start()

    deadline = asyncio.get_running_loop().time() + 30
    while not [c for c in receiver.on(path) if c.status == 200]:
        assert asyncio.get_running_loop().time() < deadline, receiver.on(path)
        await asyncio.sleep(0.1)
    delivered = next(c for c in receiver.on(path) if c.status == 200)
    assert delivered.body == failed.body and for_subject([delivered], subject)
    assert signed(delivered, app["webhook_secret"])


async def test_other_enterprises_and_other_folders_get_no_notification(hook_server, receiver):
    path = f"/quiet/{uuid.uuid4().hex}"
    await newmail_app(hook_server, receiver.url + path)
    oscar_subject, own_subject = unique("other enterprise"), unique("own enterprise")

    deliver(hook_server, "olga@other.org", oscar_subject)
    deliver(hook_server, "bob@example.com", own_subject)

    calls = await receiver.wait(path, 1)
    await asyncio.sleep(1)
    subjects = [json.loads(c.body)["subject"] for c in receiver.on(path)]
    assert subjects == [own_subject] and len(calls) == 1


@pytest.fixture(params=BACKENDS)
def short_token_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A server whose open API tokens live 3 s (the module's server keeps the default, so
    its tokens outlive the 45009 bursts however slow the machine)."""
    data_dir = tmp_path_factory.mktemp(f"ttl-{request.param}")
    with private_server(request.param, data_dir, {"QIYOU_API_TOKEN_TTL": "3"}) as srv:
        yield srv


async def test_an_expired_token_answers_42001(short_token_server):
    app = await create_app(short_token_server, "sso")
    answer = await OpenApi(short_token_server.url).get(
        "gettoken", corpid=app["corpid"], corpsecret=app["corpsecret"]
    )
    assert answer["expires_in"] == 3
    api = OpenApi(short_token_server.url, answer["access_token"])
    assert (await api.get("service/get_login_url", userid="bob@example.com"))["errcode"] == 0

    deadline = asyncio.get_running_loop().time() + 15  # the TTL, and room for a slow machine
    while (answer := await api.get("service/get_login_url", userid="bob@example.com")).get(
        "errcode"
    ) == 0:
        assert asyncio.get_running_loop().time() < deadline, "the token never expired"
        await asyncio.sleep(0.2)

    assert answer["errcode"] == 42001 and "login_url" not in answer


async def test_too_many_calls_from_one_enterprise_answer_45009(hook_server):
    oscar = await login(hook_server.graphql_url, "oscar@other.org", PASSWORD)
    created = (await oscar.data(CREATE_APP, kind="NEWMAIL", webhook=""))["createOpenApp"]
    app = {"corpid": created["app"]["corpid"], "corpsecret": created["corpsecret"]}
    api = OpenApi(hook_server.url)
    api.token = (await api.get("gettoken", corpid=app["corpid"], corpsecret=app["corpsecret"]))[
        "access_token"
    ]

    # All at once: 40 calls against a bucket of 20 that refills one every 3 s cannot all
    # pass however slow the machine is (one after another they could, at 1 s a call).
    answers = await asyncio.gather(
        *(api.get("mail/newcount", userid="olga@other.org") for _ in range(40))
    )

    codes = [a["errcode"] for a in answers]
    assert 0 in codes and 45009 in codes, codes
    assert codes.count(0) < 30, "the bucket holds 20 calls, refilled one every 3 s"
    limited = next(a for a in answers if a["errcode"] == 45009)
    assert "enterprise" in limited["errmsg"] and "count" not in limited
    other = await OpenApi(hook_server.url).get("gettoken", corpid="qy-nobody", corpsecret="x")
    assert other["errcode"] == 40013, "another enterprise (or none) is not limited by it"


async def test_too_many_calls_from_one_ip_answer_45009(hook_server):
    api = OpenApi(hook_server.url)

    answers = [await api.get("gettoken", corpid="qy-nobody", corpsecret="x") for _ in range(200)]

    codes = {a["errcode"] for a in answers}
    assert codes == {40013, 45009}
    assert "IP" in next(a for a in answers if a["errcode"] == 45009)["errmsg"]
