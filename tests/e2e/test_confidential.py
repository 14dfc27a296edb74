"""Confidential mail (U17) end to end: alice marks a mail confidential; bob sees a notice until
he verifies a one-time code sent by SMS (a loopback Tencent Cloud SMS API) or WeChat (a
loopback WeChat server API); the external recipient gets a link, not the body, and reads it
on the verification page with a code mailed to them; alice sees every read.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import imaplib
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e import tencent_sms, wechat_api
from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import client_tls
from tests.e2e.server import PASSWORD, Server
from tests.e2e.test_graphql_mail import send_with_file

PUBLIC_URL = "https://mail.example.com"
EXTERNAL = "partner@partner.test"
BOB_MOBILE = "138 0013 8000"
BOB_PHONE = "+8613800138000"
BOB_OPENID = "openid-bob-confidential"

SEND = """
mutation Send($input: ComposeInput!) {
  sendMail(input: $input) {
    __typename
    ... on SendMailSuccess { queued sent { id } }
    ... on MailError { code field message }
  }
}
"""
INBOX = """
{ messages(folder: "INBOX", first: 50) { edges { node {
    id subject preview text html attachments { index filename url }
    confidential { verified channels noForward noPrint sender visibleUntil }
} } } }
"""
MESSAGE = """
query Message($id: ID!) {
  message(id: $id) {
    id text html preview attachments { index filename url }
    confidential { verified channels noForward noPrint sender visibleUntil }
  }
}
"""
REQUEST = """
mutation Request($id: ID!, $channel: ConfidentialChannel!) {
  requestConfidentialCode(id: $id, channel: $channel) {
    __typename
    ... on ConfidentialCodeSent { channel destination expiresAt }
    ... on ConfidentialError { code field message }
  }
}
"""
VERIFY = """
mutation Verify($id: ID!, $code: String!) {
  verifyConfidentialCode(id: $id, code: $code) {
    __typename
    ... on ConfidentialVerified { visibleUntil opened { id text attachments { filename } } }
    ... on ConfidentialError { code field message }
  }
}
"""
READS = """
query Reads($id: ID!) {
  confidentialReads(messageId: $id) { name address external channel ip readAt }
}
"""
UPDATE_MEMBER = """
mutation Update($email: String!, $input: UpdateMemberInput!) {
  updateMember(email: $email, input: $input) { __typename }
}
"""
MINI_LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password, client: MINIPROGRAM) {
    __typename ... on LoginSuccess { token }
  }
}
"""
BIND = """
mutation Bind($code: String!) {
  bindWechat(code: $code) { __typename ... on AuthError { code message } }
}
"""


@pytest.fixture(scope="module")
def sms() -> Iterator[tencent_sms.TencentSms]:
    fake = tencent_sms.TencentSms()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def wechat() -> Iterator[wechat_api.WechatApi]:
    fake = wechat_api.WechatApi()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def conf_server(request, sms, wechat, tmp_path_factory) -> Iterator[Server]:
    """A server of our own whose SMS and WeChat providers are the loopback ones."""
    env = {
        "QIYOU_PUBLIC_URL": PUBLIC_URL,
        "QIYOU_SMS_URL": sms.url,
        "QIYOU_SMS_SECRET_ID": tencent_sms.SECRET_ID,
        "QIYOU_SMS_SECRET_KEY": tencent_sms.SECRET_KEY,
        "QIYOU_SMS_APP_ID": tencent_sms.APP_ID,
        "QIYOU_SMS_SIGN_NAME": tencent_sms.SIGN_NAME,
        "QIYOU_SMS_TEMPLATE_ID": tencent_sms.TEMPLATE_ID,
        "QIYOU_WECHAT_API_URL": wechat.url,
        "QIYOU_WECHAT_APPID": wechat_api.APPID,
        "QIYOU_WECHAT_SECRET": wechat_api.SECRET,
        "QIYOU_WECHAT_CODE_TEMPLATE": "tpl-confidential-code",
    }
    data_dir = tmp_path_factory.mktemp(f"confidential-{request.param}")
    with private_server(request.param, data_dir, env) as srv:
        yield srv


@pytest.fixture(scope="module")
async def people(conf_server, wechat) -> dict[str, GraphQLClient]:
    """alice (sender), bob (mobile and WeChat), carol (neither), olga (another company)."""
    url = conf_server.graphql_url
    admin = await login(url, "admin@example.com", PASSWORD)
    updated = await admin.data(UPDATE_MEMBER, email="bob@example.com", input={"mobile": BOB_MOBILE})
    assert updated["updateMember"]["__typename"] == "AdminMember"
    mini = GraphQLClient(url)
    token = (await mini.data(MINI_LOGIN, email="bob@example.com", password=PASSWORD))["login"]
    mini.token = token["token"]
    bound = (await mini.data(BIND, code=wechat.issue(BOB_OPENID)))["bindWechat"]
    assert bound["__typename"] == "WechatBound", bound
    return {
        "admin": admin,
        "alice": await login(url, "alice@example.com", PASSWORD),
        "bob": await login(url, "bob@example.com", PASSWORD),
        "carol": await login(url, "carol@example.com", PASSWORD),
        "olga": await login(url, "olga@other.org", PASSWORD),
    }


async def send_confidential(alice: GraphQLClient, secret: str, to: list[str]) -> str:
    sent = (
        await alice.data(
            SEND,
            input={
                "to": to,
                "subject": f"Plan {tag(secret)}",
                "text": secret,
                "confidential": True,
            },
        )
    )["sendMail"]
    assert sent["__typename"] == "SendMailSuccess", sent
    return sent["sent"]["id"]


def tag(secret: str) -> str:
    """The unique end of a secret, used in subjects (the secret itself is the body)."""
    return secret[-12:]


async def inbox_entry(client: GraphQLClient, subject_part: str) -> dict:
    edges = (await client.data(INBOX))["messages"]["edges"]
    return next(e["node"] for e in edges if subject_part in e["node"]["subject"])


async def request_code(client: GraphQLClient, entry_id: str, channel: str) -> dict:
    return (await client.data(REQUEST, id=entry_id, channel=channel))["requestConfidentialCode"]


async def verify(client: GraphQLClient, entry_id: str, code: str) -> dict:
    return (await client.data(VERIFY, id=entry_id, code=code))["verifyConfidentialCode"]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def outbound_raws(server: Server, recipient: str) -> list[str]:
    """The raw mail queued for ``recipient`` (what would leave), oldest first."""
    return server.mailcore(
        """
        from mailcore.core.blobs import open_blob_store
        store = open_blob_store(str(Settings.from_env().blob_dir))
        rows = await OutboundMessage.filter(recipient=args["rcpt"]).order_by("id").select_related(
            "message"
        )
        return [(await store.get(r.message.sha256)).decode() for r in rows]
        """,
        rcpt=recipient,
    )


def decoded_text(raw: str) -> str:
    message = email.message_from_string(raw, policy=email.policy.default)
    parts = [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join(parts)


async def test_bob_reads_only_after_verifying_a_code(conf_server, people, sms, wechat):
    alice, bob = people["alice"], people["bob"]
    secret = f"TOPSECRET-{uuid.uuid4().hex}"
    sent = await send_with_file(
        alice,
        "plan.txt",
        f"attachment {secret}".encode(),
        "text/plain",
        to=["bob@example.com"],
        subject=f"Plan {secret[:14]}",
        text=secret,
        confidential=True,
    )
    assert sent["__typename"] == "SendMailSuccess", sent
    sent_id = sent["sent"]["id"]

    # Given: bob's copy is a notice — no body, no preview, no attachments.
    locked = await inbox_entry(bob, secret[:14])
    assert secret not in str(locked)
    assert locked["preview"] == "" and locked["attachments"] == [] and locked["html"] is None
    assert "保密邮件" in locked["text"]
    assert locked["confidential"] == {
        "verified": False,
        "channels": ["SMS", "WECHAT"],
        "noForward": True,
        "noPrint": True,
        "sender": False,
        "visibleUntil": None,
    }
    mine = (await alice.data(MESSAGE, id=sent_id))["message"]
    assert secret in mine["text"] and mine["confidential"]["sender"] is True
    assert mine["confidential"]["verified"] is True
    headers = {"Authorization": f"Bearer {bob.token}"}
    async with httpx.AsyncClient(base_url=conf_server.url, headers=headers) as http:
        assert (await http.get(f"/attachments/{locked['id']}/1")).status_code == 404
        assert (await http.get(f"/attachments/{locked['id']}/0")).status_code == 404
        assert (await http.get(f"/messages/{locked['id']}/raw")).status_code == 404

    # When: bob asks for an SMS code; a wrong code and a too-quick resend are typed errors.
    asked = await request_code(bob, locked["id"], "SMS")
    assert asked["__typename"] == "ConfidentialCodeSent", asked
    assert asked["destination"] == "+86138****8000"
    code = sms.last_code(BOB_PHONE)
    assert re.fullmatch(r"\d{6}", code)
    assert sms.sent[-1]["TemplateParamSet"] == [code, "10"]
    assert sms.sent[-1]["SignName"] == tencent_sms.SIGN_NAME
    bad = await verify(bob, locked["id"], wrong(code))
    assert (bad["code"], bad["field"]) == ("INVALID_CODE", "code")
    again = await request_code(bob, locked["id"], "SMS")
    assert again["code"] == "TOO_MANY_REQUESTS"

    # Then: the right code opens the body to this session, attachments included.
    opened = await verify(bob, locked["id"], code)
    assert opened["__typename"] == "ConfidentialVerified", opened
    assert secret in opened["opened"]["text"]
    shown = (await bob.data(MESSAGE, id=locked["id"]))["message"]
    assert secret in shown["text"] and shown["confidential"]["verified"] is True
    assert shown["confidential"]["visibleUntil"]
    assert [a["filename"] for a in shown["attachments"]] == ["plan.txt"]
    async with httpx.AsyncClient(base_url=conf_server.url, headers=headers) as http:
        download = await http.get(shown["attachments"][0]["url"])
        assert download.status_code == 200 and secret.encode() in download.content
        assert (await http.get(f"/messages/{locked['id']}/raw")).status_code == 404
    reused = await verify(bob, locked["id"], code)
    assert reused["code"] == "CODE_EXPIRED", "a code works once"

    # Another session of bob is still locked; WeChat brings it a code of its own.
    other = await login(conf_server.graphql_url, "bob@example.com", PASSWORD)
    assert (await other.data(MESSAGE, id=locked["id"]))["message"]["confidential"][
        "verified"
    ] is False
    by_wechat = await request_code(other, locked["id"], "WECHAT")
    assert by_wechat["__typename"] == "ConfidentialCodeSent", by_wechat
    pushed = wechat.sent[-1]
    assert pushed["touser"] == BOB_OPENID and pushed["template_id"] == "tpl-confidential-code"
    assert pushed["page"] == f"pages/message/message?id={locked['id']}"
    assert pushed["data"]["thing2"]["value"] == f"Plan {secret[:14]}"
    # The expiry is written in the server's time zone (QIYOU_TIME_ZONE, Asia/Shanghai), not UTC.
    expires = datetime.fromisoformat(by_wechat["expiresAt"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert pushed["data"]["time3"]["value"] == expires.strftime("%Y-%m-%d %H:%M")
    wechat_code = wechat.last_value(BOB_OPENID, "character_string1")
    assert (await verify(other, locked["id"], wechat_code))["__typename"] == "ConfidentialVerified"
    assert secret in (await other.data(MESSAGE, id=locked["id"]))["message"]["text"]

    # Forwarding and quoting are refused; a reply without the quote is fine.
    forward = (await bob.data(SEND, input={"to": ["carol@example.com"], "forward": locked["id"]}))[
        "sendMail"
    ]
    assert (forward["code"], forward["field"]) == ("CONFIDENTIAL", "forward")
    quoting = await bob.data(
        SEND,
        input={"to": ["alice@example.com"], "replyTo": locked["id"], "text": f"Ok\n\n> {secret}"},
    )
    assert quoting["sendMail"]["code"] == "CONFIDENTIAL"
    reply = await bob.data(
        SEND, input={"to": ["alice@example.com"], "replyTo": locked["id"], "text": "Got it."}
    )
    assert reply["sendMail"]["__typename"] == "SendMailSuccess"

    # The sender sees every read: who, when, channel, IP.
    reads = (await alice.data(READS, id=sent_id))["confidentialReads"]
    assert [(r["address"], r["channel"], r["external"], r["ip"]) for r in reads] == [
        ("bob@example.com", "SMS", False, "127.0.0.1"),
        ("bob@example.com", "WECHAT", False, "127.0.0.1"),
    ]
    assert reads[0]["name"] == "Bob" and reads[0]["readAt"] <= reads[1]["readAt"]


async def test_expired_codes_and_too_many_attempts(conf_server, people, sms):
    alice, bob = people["alice"], people["bob"]
    expiring = f"EXPIRING-{uuid.uuid4().hex}"
    await send_confidential(alice, expiring, ["bob@example.com"])
    entry = await inbox_entry(bob, tag(expiring))
    assert (await request_code(bob, entry["id"], "SMS"))["__typename"] == "ConfidentialCodeSent"
    code = sms.last_code(BOB_PHONE)
    conf_server.mailcore(
        """
        from datetime import UTC, datetime, timedelta
        entry = await MailboxEntry.get(id=int(args["id"]))
        conf = await ConfidentialMessage.get(message_id=entry.message_id)
        await ConfidentialCode.filter(confidential_id=conf.id).update(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)
        )
        return None
        """,
        id=entry["id"],
    )
    expired = await verify(bob, entry["id"], code)
    assert (expired["code"], expired["field"]) == ("CODE_EXPIRED", "code")

    guarded = f"GUARDED-{uuid.uuid4().hex}"
    await send_confidential(alice, guarded, ["bob@example.com"])
    entry = await inbox_entry(bob, tag(guarded))
    assert (await request_code(bob, entry["id"], "SMS"))["__typename"] == "ConfidentialCodeSent"
    code = sms.last_code(BOB_PHONE)
    results = [(await verify(bob, entry["id"], wrong(code)))["code"] for _ in range(5)]
    assert results == ["INVALID_CODE"] * 4 + ["TOO_MANY_ATTEMPTS"]
    burnt = await verify(bob, entry["id"], code)
    assert burnt["code"] == "TOO_MANY_ATTEMPTS", "the right code no longer opens it"
    still = (await bob.data(MESSAGE, id=entry["id"]))["message"]
    assert guarded not in still["text"] and still["confidential"]["verified"] is False


async def test_channels_and_refusals(conf_server, people, sms, wechat):
    alice, carol, olga, bob = people["alice"], people["carol"], people["olga"], people["bob"]
    secret = f"CHANNELS-{uuid.uuid4().hex}"
    sent_id = await send_confidential(alice, secret, ["carol@example.com", "bob@example.com"])
    entry = await inbox_entry(carol, tag(secret))
    assert entry["confidential"]["channels"] == []
    no_phone = await request_code(carol, entry["id"], "SMS")
    assert (no_phone["code"], no_phone["field"]) == ("CHANNEL_UNAVAILABLE", "channel")
    no_wechat = await request_code(carol, entry["id"], "WECHAT")
    assert no_wechat["code"] == "CHANNEL_UNAVAILABLE"
    await people["admin"].data(
        UPDATE_MEMBER, email="carol@example.com", input={"mobile": "+86 139 0000 0000"}
    )
    sms.blocked.add("+8613900000000")
    refused = await request_code(carol, entry["id"], "SMS")
    assert refused["code"] == "DELIVERY_FAILED" and "blocked" in refused["message"]

    wechat.no_acceptance.add(BOB_OPENID)
    try:
        bob_entry = await inbox_entry(bob, tag(secret))
        declined = await request_code(bob, bob_entry["id"], "WECHAT")
        assert declined["code"] == "CHANNEL_UNAVAILABLE" and "mini-program" in declined["message"]
    finally:
        wechat.no_acceptance.discard(BOB_OPENID)

    # The sender needs no code; only the sender sees the reads; ordinary mail is not gated.
    assert (await request_code(alice, sent_id, "SMS"))["code"] == "NOT_NEEDED"
    denied = await carol.execute(READS, id=entry["id"])
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    plain = await alice.data(
        SEND, input={"to": ["carol@example.com"], "subject": "plain " + tag(secret), "text": "hi"}
    )
    assert plain["sendMail"]["__typename"] == "SendMailSuccess"
    ordinary = await inbox_entry(carol, "plain " + tag(secret))
    assert ordinary["confidential"] is None and ordinary["text"].strip() == "hi"
    not_conf = await request_code(carol, ordinary["id"], "SMS")
    assert not_conf["code"] == "NOT_CONFIDENTIAL"

    # Another company sees nothing of it.
    for query, variables, field in (
        (MESSAGE, {"id": entry["id"]}, "message"),
        (READS, {"id": sent_id}, "confidentialReads"),
    ):
        body = await olga.execute(query, **variables)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", field
        assert secret not in str(body)
    stranger = await request_code(olga, entry["id"], "SMS")
    assert stranger["code"] == "NOT_FOUND"
    guess = await verify(olga, entry["id"], "000000")
    assert guess["code"] == "NOT_FOUND"


async def test_external_recipient_gets_a_link_and_reads_with_an_emailed_code(conf_server, people):
    alice = people["alice"]
    secret = f"EXTERNAL-{uuid.uuid4().hex}"
    before = len(outbound_raws(conf_server, EXTERNAL))
    sent = (
        await alice.data(
            SEND,
            input={
                "to": [EXTERNAL, "bob@example.com"],
                "subject": f"Offer {secret[:12]}",
                "html": f"<p>{secret}</p><script>alert(1)</script>",
                "confidential": True,
            },
        )
    )["sendMail"]
    assert sent["__typename"] == "SendMailSuccess" and sent["queued"] == 1

    # The queued copy for the outside is a notice with a link; the body never leaves.
    queued = outbound_raws(conf_server, EXTERNAL)[before:]
    assert len(queued) == 1
    notice = decoded_text(queued[0])
    assert secret not in queued[0] and secret not in notice
    links = re.findall(re.escape(PUBLIC_URL) + r"/confidential/[A-Za-z0-9_-]+", notice)
    assert links, notice
    path = urlparse(links[0]).path
    assert f"Offer {secret[:12]}" in notice

    async with httpx.AsyncClient(base_url=conf_server.url, timeout=30) as page:
        first = await page.get(path)
        assert first.status_code == 200 and secret not in first.text
        assert "p***@partner.test" in first.text
        assert first.headers["cache-control"] == "no-store"
        assert (await page.get(path + "x")).status_code == 404
        asked = await page.post(f"{path}/code")
        assert asked.status_code == 200 and "p***@partner.test" in asked.text
        code_mail = decoded_text(outbound_raws(conf_server, EXTERNAL)[-1])
        code = re.search(r"(\d{6})", code_mail).group(1)
        assert secret not in code_mail
        too_soon = await page.post(f"{path}/code")
        assert too_soon.status_code == 429

        bad = await page.post(f"{path}/verify", data={"code": wrong(code)})
        assert bad.status_code == 400 and secret not in bad.text
        good = await page.post(f"{path}/verify", data={"code": code})
        assert good.status_code == 303
        shown = await page.get(path)
        assert shown.status_code == 200 and secret in shown.text
        assert "<script" not in shown.text, "the body is sanitized"
        assert "@media print" in shown.text
        assert re.search(r"可查看至 \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\+0800\)", shown.text)

    async with httpx.AsyncClient(base_url=conf_server.url) as stranger:
        assert secret not in (await stranger.get(path)).text, "the view is bound to the reader"

    reads = (await alice.data(READS, id=sent["sent"]["id"]))["confidentialReads"]
    assert [(r["address"], r["channel"], r["external"]) for r in reads] == [
        (EXTERNAL, "EMAIL", True)
    ]


SET_FORWARDING = """
mutation Forward($enabled: Boolean!, $addresses: [String!]) {
  setForwarding(enabled: $enabled, addresses: $addresses, keepCopy: true) {
    __typename ... on RuleError { code message }
  }
}
"""


async def test_mail_rules_do_not_forward_confidential_mail(conf_server, people):
    carol, alice = people["carol"], people["alice"]
    target = "forwarded@partner.test"
    done = await carol.data(SET_FORWARDING, enabled=True, addresses=[target])
    assert done["setForwarding"]["__typename"] == "Forwarding", done
    try:
        secret = f"RULES-{uuid.uuid4().hex}"
        await send_confidential(alice, secret, ["carol@example.com"])
        plain = f"PLAIN-{uuid.uuid4().hex}"
        ordinary = await alice.data(
            SEND, input={"to": ["carol@example.com"], "subject": tag(plain), "text": plain}
        )
        assert ordinary["sendMail"]["__typename"] == "SendMailSuccess"
        deadline = asyncio.get_running_loop().time() + 60
        while not any(plain in decoded_text(r) for r in outbound_raws(conf_server, target)):
            assert asyncio.get_running_loop().time() < deadline, "the ordinary mail is forwarded"
            await asyncio.sleep(0.3)
        forwarded = outbound_raws(conf_server, target)
        assert not any(secret in r or secret in decoded_text(r) for r in forwarded)
        kept = await inbox_entry(carol, tag(secret))
        assert kept["confidential"]["verified"] is False, "carol keeps her (locked) copy"
    finally:
        await carol.data(SET_FORWARDING, enabled=False, addresses=[])


CREATE_RULE = """
mutation C($i: ApprovalRuleInput!) {
  createApprovalRule(input: $i) {
    __typename ... on ApprovalRule { id } ... on PolicyError { code message }
  }
}
"""
DELETE_RULE = "mutation D($id: ID!) { deleteApprovalRule(id: $id) { __typename } }"
APPROVAL_QUEUE = "{ approvalQueue { id subject status } }"
DECIDE = """
mutation D($id: ID!) {
  decideApproval(id: $id, approve: true, reason: "") {
    __typename ... on PolicyError { code message }
  }
}
"""


async def test_held_confidential_mail_released_by_an_approver_still_sends_only_a_link(
    conf_server, people
):
    admin, alice = people["admin"], people["alice"]
    target = "held@partner.test"
    marker = f"HOLD-{uuid.uuid4().hex[:10]}"
    rule = {
        "name": f"confidential {marker}",
        "members": ["alice@example.com"],
        "approvers": ["admin@example.com"],
        "recipientScope": "EXTERNAL",
        "keywords": [marker],
    }
    created = (await admin.data(CREATE_RULE, i=rule))["createApprovalRule"]
    assert created["__typename"] == "ApprovalRule", created
    try:
        secret = f"HELD-{uuid.uuid4().hex}"
        sent = await alice.data(
            SEND,
            input={"to": [target], "subject": marker, "text": secret, "confidential": True},
        )
        assert sent["sendMail"]["__typename"] == "SendMailSuccess", sent
        assert outbound_raws(conf_server, target) == [], "held: nothing leaves yet"
        queue = (await admin.data(APPROVAL_QUEUE))["approvalQueue"]
        held = next(h for h in queue if h["subject"] == marker)
        decided = (await admin.data(DECIDE, id=held["id"]))["decideApproval"]
        assert decided["__typename"] == "HeldMail", decided
        released = outbound_raws(conf_server, target)
        assert len(released) == 1
        assert secret not in released[0] and secret not in decoded_text(released[0])
        assert f"{PUBLIC_URL}/confidential/" in decoded_text(released[0])
    finally:
        await admin.data(DELETE_RULE, id=created["id"])


async def test_imap_gives_a_recipient_the_stand_in_never_the_body(conf_server, people):
    """Review finding: IMAP served a locked copy's bytes (FETCH BODY[]) and searched its body.
    A mail client gets what the web app shows before verification; the sender's copy stays
    whole."""
    secret = f"IMAPSECRET-{uuid.uuid4().hex}"
    await send_confidential(people["alice"], secret, ["bob@example.com"])
    imap = imaplib.IMAP4_SSL("127.0.0.1", conf_server.imaps_port, ssl_context=client_tls())
    imap.login("bob@example.com", PASSWORD)
    imap.select("INBOX")
    assert imap.uid("SEARCH", "BODY", secret)[1] == [b""], "the body is no search oracle"
    [uid] = imap.uid("SEARCH", "SUBJECT", tag(secret))[1][0].split()
    typ, data = imap.uid("FETCH", uid.decode(), "(RFC822.SIZE BODY.PEEK[])")
    head, body = data[0]
    assert typ == "OK" and secret.encode() not in body and b"X-Qiyou-Confidential: yes" in body
    assert f"RFC822.SIZE {len(body)}".encode() in head, "the size is the stand-in's"
    imap.logout()
    sender = imaplib.IMAP4_SSL("127.0.0.1", conf_server.imaps_port, ssl_context=client_tls())
    sender.login("alice@example.com", PASSWORD)
    sender.select("Sent")
    [uid] = sender.uid("SEARCH", "SUBJECT", tag(secret))[1][0].split()
    assert secret.encode() in sender.uid("FETCH", uid.decode(), "(BODY.PEEK[])")[1][0][1]
    sender.logout()
