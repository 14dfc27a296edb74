"""New-mail callbacks in Exmail's format: URL check at set-up, encrypted signed POSTs.

The receiver is a real HTTP server on the loopback interface that knows the app's Token,
EncodingAESKey and corp id, and checks and decrypts with its own implementation of the
published scheme (WeChat Work's "加解密方案说明", which Exmail's callbacks use), written in
this file: nothing of the server's code is imported.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD, Server
from tests.e2e.test_openapi_webhooks import SETTINGS

CREATE = """
mutation Create($format: OpenAppCallbackFormat) {
  createOpenApp(kind: NEWMAIL, webhookUrl: "", callbackFormat: $format) {
    __typename
    ... on OpenAppSecret {
      callbackToken callbackAesKey
      app { corpid callbackFormat callbackTokenHint callbackAesKeyHint }
    }
    ... on AdminError { code field message }
  }
}
"""
UPDATE = """
mutation Update($corpid: String!, $url: String, $format: OpenAppCallbackFormat,
                $token: String, $key: String) {
  updateOpenApp(corpid: $corpid, webhookUrl: $url, callbackFormat: $format,
                callbackToken: $token, callbackAesKey: $key) {
    __typename
    ... on OpenApp { webhookUrl callbackFormat callbackTokenHint callbackAesKeyHint }
    ... on AdminError { code field message }
  }
}
"""
APPS = "{ openApps { corpid webhookUrl callbackFormat callbackTokenHint callbackAesKeyHint } }"


# --- the receiver's own implementation of the published algorithm -------------------------


def sha1_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def decrypt(encoding_aes_key: str, encrypted: str) -> tuple[bytes, bytes]:
    """(msg, receive id) of a base64 ciphertext."""
    key = base64.b64decode(encoding_aes_key + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    pad = plain[-1]
    assert 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad, "PKCS#7 to 32 bytes"
    plain = plain[:-pad]
    length = int.from_bytes(plain[16:20], "big")
    return plain[20 : 20 + length], plain[20 + length :]


@dataclass
class Keys:
    token: str
    aes_key: str
    corpid: str
    echo_wrong: bool = False  # answer something else than the decrypted echostr


@dataclass
class Seen:
    method: str
    query: dict[str, str]
    body: bytes
    status: int
    signature_ok: bool = False
    msg: bytes = b""
    receive_id: bytes = b""


@dataclass
class Receiver:
    url: str = ""
    keys: dict[str, Keys] = field(default_factory=dict)
    plans: dict[str, list[int]] = field(default_factory=dict)  # POST statuses, last repeats
    seen: dict[str, list[Seen]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, raw_path: str, body: bytes) -> tuple[int, bytes]:
        parts = urlparse(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        keys = self.keys[parts.path]
        if method == "GET":
            encrypted = query.get("echostr", "")
        else:
            encrypted = ET.fromstring(body).findtext("Encrypt") or ""
        sig = sha1_signature(keys.token, query["timestamp"], query["nonce"], encrypted)
        seen = Seen(method, query, body, 403, signature_ok=sig == query.get("msg_signature"))
        answer = b""
        if seen.signature_ok:
            seen.msg, seen.receive_id = decrypt(keys.aes_key, encrypted)
            if method == "GET":
                seen.status, answer = 200, b"nope" if keys.echo_wrong else seen.msg
            else:
                with self.lock:
                    plan = self.plans.get(parts.path, [200])
                    seen.status = plan.pop(0) if len(plan) > 1 else plan[0]
        with self.lock:
            self.seen.setdefault(parts.path, []).append(seen)
        return seen.status, answer

    def on(self, path: str, method: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen.get(path, []) if s.method == method]

    async def wait(self, path: str, method: str, count: int, timeout: float = 30) -> list[Seen]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.on(path, method)) < count:
            assert asyncio.get_running_loop().time() < deadline, self.on(path, method)
            await asyncio.sleep(0.1)
        return self.on(path, method)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, answer = state.handle(method, self.path, body)
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def do_GET(self) -> None:  # noqa: N802 - http.server's hook name
            self._answer("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._answer("POST")

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
def exmail_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp(f"exmail-hooks-{request.param}")
    with private_server(request.param, data_dir, dict(SETTINGS)) as srv:
        yield srv


async def exmail_app(server: Server) -> tuple[GraphQLClient, dict]:
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    created = (await admin.data(CREATE, format="EXMAIL"))["createOpenApp"]
    assert created["__typename"] == "OpenAppSecret", created
    return admin, created


async def test_exmail_format_checks_the_url_then_posts_encrypted_signed_new_mail(
    exmail_server, receiver
):
    admin, created = await exmail_app(exmail_server)
    app, token, key = created["app"], created["callbackToken"], created["callbackAesKey"]
    assert len(key) == 43 and 1 <= len(token) <= 32
    assert app["callbackFormat"] == "EXMAIL"
    assert (app["callbackTokenHint"], app["callbackAesKeyHint"]) == (
        "…" + token[-4:],
        "…" + key[-4:],
    )
    path = f"/exmail/{uuid.uuid4().hex}"
    receiver.keys[path] = Keys(token, key, app["corpid"])
    receiver.plans[path] = [500, 200]
    url = receiver.url + path + "?tenant=7"  # the app's own query survives

    updated = (await admin.data(UPDATE, corpid=app["corpid"], url=url))["updateOpenApp"]

    assert updated["__typename"] == "OpenApp" and updated["webhookUrl"] == url, updated
    (check,) = receiver.on(path, "GET")
    assert check.signature_ok and check.status == 200 and check.query["tenant"] == "7"
    assert check.receive_id == app["corpid"].encode()
    listed = next(a for a in (await admin.data(APPS))["openApps"] if a["corpid"] == app["corpid"])
    assert token not in str(listed) and key not in str(listed), "secrets never shown again"

    bob = await login(exmail_server.graphql_url, "bob@example.com", PASSWORD)
    subject = unique("exmail 回调 <新邮件> ]]> & more")
    with mx(exmail_server.smtp_port) as smtp:
        smtp.sendmail(
            "news@outside.test",
            ["bob@example.com"],
            simple_mail("news@outside.test", "bob@example.com", subject),
        )

    first, second = await receiver.wait(path, "POST", 2)
    assert (first.status, second.status) == (500, 200), "retried with the webhook backoff"
    assert first.signature_ok and second.signature_ok
    assert first.query["msg_signature"] != second.query["msg_signature"], "new nonce, new prefix"
    assert first.msg == second.msg, "a retry carries the same notification"
    assert second.query["tenant"] == "7"
    assert second.receive_id == app["corpid"].encode(), "the corp id ends the plaintext"
    envelope = ET.fromstring(second.body)
    assert envelope.findtext("ToUserName") == app["corpid"]
    mail = ET.fromstring(second.msg)
    message = await find(bob, subject)
    assert mail.tag == "xml"
    assert mail.findtext("CorpID") == app["corpid"]
    assert mail.findtext("MsgType") == "Mail"
    assert mail.findtext("MailID") == message["id"]
    assert mail.findtext("ToUserID") == "bob@example.com"
    assert mail.findtext("FromUser") == "news@outside.test"
    assert mail.findtext("Title") == subject
    assert int(mail.findtext("Time") or 0) > 1_700_000_000
    assert int(mail.findtext("NewCount") or 0) >= 1
    await asyncio.sleep(1.5)
    assert len(receiver.on(path, "POST")) == 2, "a delivered notification is not sent again"


async def test_keys_set_by_the_admin_are_checked_with_the_url(exmail_server, receiver):
    admin = await login(exmail_server.graphql_url, "admin@example.com", PASSWORD)
    created = (await admin.data(CREATE, format=None))["createOpenApp"]
    corpid = created["app"]["corpid"]
    assert created["app"]["callbackFormat"] == "QIYOU"
    token, key = "MyToken2026", "0123456789abcdefghijABCDEFGHIJ+/0123456789a"
    path = f"/chosen/{uuid.uuid4().hex}"
    receiver.keys[path] = Keys(token, key, corpid)

    updated = (
        await admin.data(
            UPDATE, corpid=corpid, url=receiver.url + path, format="EXMAIL", token=token, key=key
        )
    )["updateOpenApp"]

    assert updated["__typename"] == "OpenApp", updated
    assert (updated["callbackTokenHint"], updated["callbackAesKeyHint"]) == ("…2026", "…789a")
    (check,) = receiver.on(path, "GET")
    assert check.signature_ok and check.status == 200


async def test_a_receiver_answering_the_wrong_echostr_is_refused(exmail_server, receiver):
    admin, created = await exmail_app(exmail_server)
    corpid = created["app"]["corpid"]
    path = f"/wrong/{uuid.uuid4().hex}"
    receiver.keys[path] = Keys(
        created["callbackToken"], created["callbackAesKey"], corpid, echo_wrong=True
    )

    result = (await admin.data(UPDATE, corpid=corpid, url=receiver.url + path))["updateOpenApp"]

    assert (result["__typename"], result["code"], result["field"]) == (
        "AdminError",
        "CALLBACK_UNVERIFIED",
        "webhookUrl",
    )
    (check,) = receiver.on(path, "GET")
    assert check.signature_ok, "the check itself was well signed"
    app = next(a for a in (await admin.data(APPS))["openApps"] if a["corpid"] == corpid)
    assert app["webhookUrl"] == "", "nothing was saved"

    other = f"/other-keys/{uuid.uuid4().hex}"  # a receiver with another Token: 403
    receiver.keys[other] = Keys("SomeoneElse", created["callbackAesKey"], corpid)
    result = (await admin.data(UPDATE, corpid=corpid, url=receiver.url + other))["updateOpenApp"]
    assert (result["code"], result["field"]) == ("CALLBACK_UNVERIFIED", "webhookUrl")
    assert "403" in result["message"]


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"key": "tooShort"}, "callbackAesKey"),
        ({"key": "A" * 42 + "="}, "callbackAesKey"),
        ({"key": "A" * 44}, "callbackAesKey"),
        ({"token": "bad token!"}, "callbackToken"),
        ({"token": "x" * 33}, "callbackToken"),
        ({"token": ""}, "callbackToken"),
    ],
)
async def test_bad_tokens_and_keys_get_a_typed_error(exmail_server, variables, field):
    admin, created = await exmail_app(exmail_server)
    corpid = created["app"]["corpid"]

    result = (await admin.data(UPDATE, corpid=corpid, **variables))["updateOpenApp"]

    assert (result["__typename"], result["code"], result["field"]) == (
        "AdminError",
        "INVALID",
        field,
    )
    app = next(a for a in (await admin.data(APPS))["openApps"] if a["corpid"] == corpid)
    assert app["callbackAesKeyHint"] == "…" + created["callbackAesKey"][-4:]


async def test_pending_exmail_calls_survive_a_restart(exmail_server, receiver):
    admin, created = await exmail_app(exmail_server)
    corpid = created["app"]["corpid"]
    path = f"/restart/{uuid.uuid4().hex}"
    receiver.keys[path] = Keys(created["callbackToken"], created["callbackAesKey"], corpid)
    receiver.plans[path] = [503]
    updated = (await admin.data(UPDATE, corpid=corpid, url=receiver.url + path))["updateOpenApp"]
    assert updated["__typename"] == "OpenApp", updated
    subject = unique("exmail restart")
    with mx(exmail_server.smtp_port) as smtp:
        smtp.sendmail(
            "news@outside.test",
            ["alice@example.com"],
            simple_mail("news@outside.test", "alice@example.com", subject),
        )
    failed = (await receiver.wait(path, "POST", 1))[0]

    exmail_server.stop()
    receiver.plans[path] = [200]  # only the restarted server can see this answer
    exmail_server.start()

    deadline = asyncio.get_running_loop().time() + 30
    while not [s for s in receiver.on(path, "POST") if s.status == 200]:
        assert asyncio.get_running_loop().time() < deadline, receiver.on(path, "POST")
        await asyncio.sleep(0.1)
    delivered = next(s for s in receiver.on(path, "POST") if s.status == 200)
    assert delivered.signature_ok and delivered.msg == failed.msg
    assert ET.fromstring(delivered.msg).findtext("Title") == subject
