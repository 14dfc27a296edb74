"""Translation (U9): English mail received by SMTP, translated offline to Chinese over GraphQL
with the tiny real model built by tests/data/translate/build_tiny_model.py, installed through
`qiyou translate install` — layout kept, cached per message and model, Chinese and other
languages refused, nobody translates someone else's mail, no model → NO_MODEL, and a
pending translation delivered over the translationReady subscription."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, Subscription, login
from tests.e2e.mail import find, mx
from tests.e2e.server import PASSWORD, Server

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "translate" / "tiny-en_zh.argosmodel"
MODEL = "translate-en_zh-tiny@0.1-tiny"
RESULT = """
  __typename
  ... on Translation {
    messageId subject text model sourceLanguage targetLanguage cached
  }
  ... on TranslationPending { messageId model targetLanguage }
  ... on TranslateError { code field message }
"""
TRANSLATE = (
    f"query T($id: ID!, $to: String!) {{ translateMessage(id: $id, to: $to) {{ {RESULT} }} }}"
)
READY = "subscription {{ translationReady(id: {id}) {{ {result} }} }}"
READY_RESULT = RESULT.replace("... on TranslationPending { messageId model targetLanguage }", "")

ENGLISH = """Hello everyone.

The meeting starts on Monday. The report needs your review.
The contract was approved.

- The invoice is in the attachment.
- The budget is delayed.

> Older quoted text stays as it is.

Best regards."""
CHINESE = """大家好。

会议星期一开始。报告需要你审阅。
合同已经批准了。

- 发票在附件里。
- 预算推迟了。

> Older quoted text stays as it is.

此致敬礼。"""


def send(server: Server, subject: str, body: str, html: str | None = None) -> str:
    """Deliver a mail from outside to alice over SMTP; returns a unique marker header value."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "partner@outside.test", "alice@example.com", subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@outside.test>"
    if html is None:
        msg.set_content(body)
    else:
        msg.set_content(html, subtype="html")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail("partner@outside.test", ["alice@example.com"], msg.as_bytes())
    return subject


async def message_id(client: GraphQLClient, subject: str) -> str:
    node = await find(client, subject)
    assert node is not None, subject
    return node["id"]


async def translate(client: GraphQLClient, ws_url: str, id: str, to: str = "zh") -> dict:
    """translateMessage, following a TranslationPending through the subscription."""
    result = (await client.data(TRANSLATE, id=id, to=to))["translateMessage"]
    if result["__typename"] != "TranslationPending":
        return result
    query = READY.format(id=f'"{id}"', result=READY_RESULT)
    async with Subscription(ws_url, client.token, query) as sub:
        return (await sub.next(timeout=60))["translationReady"]


@pytest.fixture(scope="module")
def installed(server: Server) -> Server:
    out = server.cli("translate", "install", str(FIXTURE)).stdout
    assert f"installed {MODEL}: en -> zh" in out
    listed = server.cli("translate", "list").stdout
    assert MODEL in listed and "en -> zh" in listed
    return server


@pytest.fixture(scope="module")
async def alice(installed: Server) -> GraphQLClient:
    return await login(installed.graphql_url, "alice@example.com", PASSWORD)


async def test_english_mail_is_translated_with_its_layout_and_cached(
    installed: Server, alice: GraphQLClient
) -> None:
    subject = send(installed, f"Re: The budget was approved. {uuid.uuid4().hex[:6]}", ENGLISH)
    id = await message_id(alice, subject)

    first = await translate(alice, installed.ws_url, id)

    assert first["__typename"] == "Translation", first
    assert first["text"] == CHINESE
    assert first["subject"].startswith("Re: 预算已经批准了。")
    assert (first["model"], first["messageId"]) == (MODEL, id)
    assert (first["sourceLanguage"], first["targetLanguage"]) == ("en", "zh")

    second = (await alice.data(TRANSLATE, id=id, to="zh-CN"))["translateMessage"]
    assert second["__typename"] == "Translation"
    assert second["cached"] is True
    assert second["text"] == CHINESE
    rows = installed.sql(
        "SELECT count(*) FROM message_translation t JOIN mailbox_entry e "
        f"ON e.message_id = t.message_id WHERE e.id = {int(id)} AND t.model = '{MODEL}'"
    )
    assert rows == "1"


async def test_html_mail_is_translated_paragraph_by_paragraph(
    installed: Server, alice: GraphQLClient
) -> None:
    html = (
        "<html><body><p>Hello everyone.</p><p>The design looks good to me.<br>"
        "Have a nice weekend.</p></body></html>"
    )
    subject = send(installed, f"The design {uuid.uuid4().hex[:6]}", "", html=html)
    result = await translate(alice, installed.ws_url, await message_id(alice, subject))
    assert result["__typename"] == "Translation", result
    assert result["text"] == "大家好。\n\n设计我觉得很好。\n周末愉快。"


async def test_chinese_and_french_mail_are_refused(installed: Server, alice: GraphQLClient) -> None:
    chinese = send(
        installed, f"会议 {uuid.uuid4().hex[:6]}", "大家好，会议在星期五。请用邮件回复。"
    )
    result = await translate(alice, installed.ws_url, await message_id(alice, chinese))
    assert result["__typename"] == "TranslateError"
    assert result["code"] == "ALREADY_CHINESE"

    french = send(
        installed,
        f"Réunion {uuid.uuid4().hex[:6]}",
        "Bonjour, la réunion est pour vendredi et nous sommes prêts avec le rapport.",
    )
    result = await translate(alice, installed.ws_url, await message_id(alice, french))
    assert (result["__typename"], result["code"]) == ("TranslateError", "NOT_ENGLISH")


async def test_only_your_own_mail_and_supported_languages(
    installed: Server, alice: GraphQLClient
) -> None:
    subject = send(installed, f"The report {uuid.uuid4().hex[:6]}", "The report is ready.")
    id = await message_id(alice, subject)
    bob = await login(installed.graphql_url, "bob@example.com", PASSWORD)
    olga = await login(installed.graphql_url, "olga@other.org", PASSWORD)
    for client, value in ((bob, id), (olga, id), (alice, "no-such-id"), (alice, "999999999")):
        result = (await client.data(TRANSLATE, id=value, to="zh"))["translateMessage"]
        assert (result["__typename"], result["code"], result["field"]) == (
            "TranslateError",
            "NOT_FOUND",
            "id",
        ), (client, value, result)
    result = (await alice.data(TRANSLATE, id=id, to="xx"))["translateMessage"]
    assert (result["code"], result["field"]) == ("UNSUPPORTED_LANGUAGE", "to")

    anonymous = await GraphQLClient(installed.graphql_url).execute(TRANSLATE, id=id, to="zh")
    assert anonymous["errors"] and not anonymous.get("data")


@pytest.fixture(params=BACKENDS)
def waiting_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A server without a model whose requests never wait: every new translation is pending."""
    data_dir = tmp_path_factory.mktemp(f"translate-{request.param}")
    with private_server(request.param, data_dir, env={"QIYOU_TRANSLATE_WAIT": "0"}) as srv:
        yield srv


async def test_no_model_then_install_and_pending_translation_pushed(waiting_server: Server) -> None:
    srv = waiting_server
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    first = await message_id(alice, send(srv, "The schedule is ready.", ENGLISH))
    second = await message_id(alice, send(srv, "See you", "See you next week."))

    result = (await alice.data(TRANSLATE, id=first, to="zh"))["translateMessage"]
    assert (result["__typename"], result["code"]) == ("TranslateError", "NO_MODEL")
    assert "qiyou translate install" in result["message"]

    srv.cli("translate", "install", str(FIXTURE))  # the running server picks it up

    # The subscription starts the translation itself and pushes it once when done.
    async with Subscription(
        srv.ws_url, alice.token, READY.format(id=first, result=READY_RESULT)
    ) as sub:
        pushed = (await sub.next(timeout=60))["translationReady"]
    assert pushed["__typename"] == "Translation", pushed
    assert (pushed["text"], pushed["subject"]) == (CHINESE, "日程已经准备好了。")

    pending = (await alice.data(TRANSLATE, id=second, to="zh"))["translateMessage"]
    assert pending == {
        "__typename": "TranslationPending",
        "messageId": second,
        "model": MODEL,
        "targetLanguage": "zh",
    }
    async with Subscription(
        srv.ws_url, alice.token, READY.format(id=second, result=READY_RESULT)
    ) as sub:
        pushed = (await sub.next(timeout=60))["translationReady"]
    assert (pushed["__typename"], pushed["text"]) == ("Translation", "下周见。")

    bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
    async with Subscription(
        srv.ws_url, bob.token, READY.format(id=second, result=READY_RESULT)
    ) as sub:
        refused = (await sub.next(timeout=30))["translationReady"]
    assert (refused["__typename"], refused["code"]) == ("TranslateError", "NOT_FOUND")
