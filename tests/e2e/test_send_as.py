"""Send-as over the wire (U11, issue 21 item 2), on each backend.

Given a running server whose own outbound mail goes to a loopback SMTP sink (the relay),
an external account on a real Dovecot, and a second loopback SMTP server that requires AUTH
(the account's "external SMTP server"): the member may not send as the external address
before proving it (GraphQL and SMTP submission); the confirmation code is mailed through
the relay; a wrong, expired or over-guessed code is refused with its own code; a right one
proves the address. Then mail sent as it goes through our queue (QUEUE) or through the
external server with its login (SMTP, by GraphQL and by submission), a first refusal is
retried, a login the server refuses later bounces back to the member, and the Sent copy is
kept. Another member cannot touch the account.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes
from email.utils import parseaddr

import aiosmtplib
import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, login
from tests.e2e.delivery_env import deliveries, in_folder, sent_id, until
from tests.e2e.dovecot import Dovecot, need_dovecot
from tests.e2e.mail import simple_mail, submission, unique
from tests.e2e.server import PASSWORD
from tests.e2e.smtpsink import Sink

EXT_USER, EXT_PASS = "me@far.test", "smtp-secret"
ERROR = "... on ExternalAccountError { code field message }"
ACCOUNT = """id sendAsAddress sendAsVerified sendMode smtpHost smtpPort smtpSecurity
smtpUsername hasSmtpPassword"""
ADD = f"""
mutation A($input: AddExternalAccountInput!) {{
  addExternalAccount(input: $input) {{ __typename ... on ExternalAccount {{ {ACCOUNT} }} {ERROR} }}
}}"""
REQUEST = f"""
mutation R($id: ID!, $address: String) {{
  requestSendAsCode(id: $id, address: $address) {{
    __typename ... on SendAsCodeSent {{ address expiresAt account {{ {ACCOUNT} }} }} {ERROR}
  }}
}}"""
CONFIRM = f"""
mutation C($id: ID!, $code: String!) {{
  confirmSendAs(id: $id, code: $code) {{
    __typename ... on ExternalAccount {{ {ACCOUNT} }} {ERROR}
  }}
}}"""
UPDATE = f"""
mutation U($id: ID!, $input: UpdateSendAsInput!) {{
  updateSendAs(id: $id, input: $input) {{
    __typename ... on ExternalAccount {{ {ACCOUNT} }} {ERROR}
  }}
}}"""
SENDERS = "query { senderAddresses { address kind } }"
SEND = """
mutation S($input: ComposeInput!) {
  sendMail(input: $input) {
    __typename ... on SendMailSuccess { queued } ... on MailError { code field message }
  }
}"""


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    need_dovecot()
    with Dovecot() as server:
        for backend in BACKENDS:
            for user in ("sa1", "sa2", "sa3"):
                server.add_user(f"{user}-{backend.values[0]}", "right")
        server.start()
        yield server


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory, dovecot):
    relay = Sink(tmp_path_factory.mktemp("relay")).start()
    external = Sink(tmp_path_factory.mktemp("ext"), auth=(EXT_USER, EXT_PASS), auth_tls=False)
    external.start()
    env = {
        "QIYOU_RELAY_URL": f"smtp://127.0.0.1:{relay.port}",
        "QIYOU_OUTBOUND_POLL": "0.2",
        "QIYOU_OUTBOUND_BACKOFF": "0.5",
        "QIYOU_DNS_SERVERS": "127.0.0.1:9",  # nothing answers: the relay needs no DNS
        "QIYOU_DNS_TIMEOUT": "0.5",
        "QIYOU_FETCH_PRIVATE_HOSTS": "1",  # Dovecot and the SMTP server are on loopback
        "QIYOU_FETCH_INTERVAL": "3600",
        "QIYOU_FETCH_TIMEOUT": "10",
    }
    data_dir = tmp_path_factory.mktemp(f"sendas-{request.param}")
    with private_server(request.param, data_dir, env) as srv:
        yield srv, relay, external, request.param
    relay.stop()
    external.stop()


async def _account(client: GraphQLClient, dovecot: Dovecot, user: str) -> dict:
    made = (
        await client.data(
            ADD,
            input={
                "protocol": "IMAP",
                "host": "127.0.0.1",
                "port": dovecot.imap_port,
                "security": "NONE",
                "username": user,
                "password": "right",
            },
        )
    )["addExternalAccount"]
    assert made["__typename"] == "ExternalAccount", made
    return made


def _code(relay: Sink, address: str, skip: int = 0) -> str:
    mails = relay.for_recipient(address)
    assert len(mails) > skip, "no code mail"
    subject = str(message_from_bytes(mails[-1].data)["Subject"])
    match = re.search(r"\b(\d{6})\b", subject)
    assert match, subject
    return match.group(1)


async def _code_mail(relay: Sink, address: str, count: int) -> str:
    await until(lambda: len(relay.for_recipient(address)) >= count, what="the code mail")
    return _code(relay, address)


def _with_subject(sink: Sink, subject: str):
    return [m for m in sink.messages if str(message_from_bytes(m.data)["Subject"]) == subject]


async def _send(client: GraphQLClient, subject: str, **more) -> dict:
    data = await client.data(
        SEND, input={"to": ["friend@elsewhere.test"], "subject": subject, **more}
    )
    return data["sendMail"]


async def test_send_as_is_proved_by_a_mailed_code_then_sent_both_ways(world, dovecot):
    srv, relay, external, backend = world
    address = f"me-{backend}@far.test"
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
    account = await _account(alice, dovecot, f"sa1-{backend}")
    assert account["sendAsVerified"] is False and account["sendMode"] == "QUEUE"

    # Before the proof: refused by GraphQL and by SMTP submission.
    refused = await _send(alice, unique("early"), **{"from": address})
    assert refused["__typename"] == "MailError" and refused["code"] == "SENDER_NOT_ALLOWED"
    smtp = await submission(srv)
    try:
        with pytest.raises(aiosmtplib.SMTPSenderRefused):
            await smtp.sendmail(
                address, ["friend@elsewhere.test"], simple_mail(address, "x@y.z", "s")
            )
    finally:
        await smtp.quit()

    # Another member cannot ask for (or confirm) a code of this account.
    stranger = (await bob.data(REQUEST, id=account["id"], address=address))["requestSendAsCode"]
    assert stranger["code"] == "NOT_FOUND"
    # An address of a domain hosted here cannot be claimed.
    hosted = (await alice.data(REQUEST, id=account["id"], address="bob@example.com"))[
        "requestSendAsCode"
    ]
    assert hosted["code"] == "INVALID" and hosted["field"] == "address"

    sent = (await alice.data(REQUEST, id=account["id"], address=address))["requestSendAsCode"]
    assert sent["__typename"] == "SendAsCodeSent" and sent["address"] == address
    code = await _code_mail(relay, address, 1)
    [mail] = relay.for_recipient(address)
    assert mail.mail_from == "alice@example.com"
    again = (await alice.data(REQUEST, id=account["id"]))["requestSendAsCode"]
    assert again["code"] == "TOO_MANY_REQUESTS"

    wrong = "000000" if code != "000000" else "111111"
    bad = (await alice.data(CONFIRM, id=account["id"], code=wrong))["confirmSendAs"]
    assert bad["code"] == "INVALID_CODE" and bad["field"] == "code"
    theirs = (await bob.data(CONFIRM, id=account["id"], code=code))["confirmSendAs"]
    assert theirs["code"] == "NOT_FOUND"
    still = await _send(alice, unique("still"), **{"from": address})
    assert still["code"] == "SENDER_NOT_ALLOWED"

    proved = (await alice.data(CONFIRM, id=account["id"], code=code))["confirmSendAs"]
    assert proved["sendAsVerified"] is True and proved["sendAsAddress"] == address
    senders = (await alice.data(SENDERS))["senderAddresses"]
    assert {"address": address, "kind": "send_as"} in senders
    assert {"address": "alice@example.com", "kind": "own"} in senders
    assert address not in [s["address"] for s in (await bob.data(SENDERS))["senderAddresses"]]
    bob_refused = await _send(bob, unique("bob"), **{"from": address})
    assert bob_refused["code"] == "SENDER_NOT_ALLOWED"

    # QUEUE: our own delivery (the relay), from the proved address; the Sent copy is kept.
    queued = unique("queued")
    ok = await _send(alice, queued, **{"from": address})
    assert ok["__typename"] == "SendMailSuccess" and ok["queued"] == 1, ok
    [got] = await until(lambda: _with_subject(relay, queued), what="the queued mail")
    assert got.mail_from == address
    assert parseaddr(str(message_from_bytes(got.data)["From"]))[1] == address
    assert await in_folder(alice, queued, "SENT")

    # SMTP: a wrong login saves nothing; the right one is kept and never returned.
    external_host = {"smtpHost": "127.0.0.1", "smtpPort": external.port, "smtpSecurity": "NONE"}
    wrong_login = (
        await alice.data(
            UPDATE,
            id=account["id"],
            input={"mode": "SMTP", **external_host, "smtpUsername": EXT_USER, "smtpPassword": "no"},
        )
    )["updateSendAs"]
    assert wrong_login["code"] == "LOGIN_FAILED", wrong_login
    saved = (
        await alice.data(
            UPDATE,
            id=account["id"],
            input={
                "mode": "SMTP",
                **external_host,
                "smtpUsername": EXT_USER,
                "smtpPassword": EXT_PASS,
            },
        )
    )["updateSendAs"]
    assert saved["sendMode"] == "SMTP" and saved["hasSmtpPassword"] is True, saved
    assert EXT_PASS not in str(saved)

    # By GraphQL: through the external server with AUTH; the first try is turned away
    # (421 at EHLO) and retried.
    external.ehlo_failures = 1
    through = unique("through-external")
    ok = await _send(alice, through, **{"from": address})
    assert ok["__typename"] == "SendMailSuccess", ok
    [got] = await until(lambda: _with_subject(external, through), what="the mail at the ext SMTP")
    assert got.login == EXT_USER and got.mail_from == address
    assert got.rcpt_tos == ["friend@elsewhere.test"]
    assert not _with_subject(relay, through)
    rows = await until(lambda: _sent_rows(alice, through), what="the delivery recorded as sent")
    assert rows["friend@elsewhere.test"]["attempts"] >= 2

    # By SMTP submission: the same.
    submitted = unique("submitted")
    smtp = await submission(srv)
    try:
        await smtp.sendmail(
            address,
            ["friend@elsewhere.test"],
            simple_mail(address, "friend@elsewhere.test", submitted),
        )
    finally:
        await smtp.quit()
    [got] = await until(lambda: _with_subject(external, submitted), what="the submitted mail")
    assert got.login == EXT_USER and got.mail_from == address
    assert await in_folder(alice, submitted, "SENT")

    # The provider stops taking the login: a permanent failure, bounced to the member.
    external.auth = (EXT_USER, "changed")
    bounced = unique("bounced")
    assert (await _send(alice, bounced, **{"from": address}))["__typename"] == "SendMailSuccess"
    report = await until(
        lambda: in_folder(alice, "Undelivered Mail Returned to Sender"), what="the bounce"
    )
    assert report
    rows = await deliveries(alice, await sent_id(alice, bounced))
    assert rows["friend@elsewhere.test"]["status"] == "FAILED"
    assert "535" in rows["friend@elsewhere.test"]["lastError"]
    assert not _with_subject(external, bounced) and not _with_subject(relay, bounced)
    external.auth = (EXT_USER, EXT_PASS)


async def _sent_rows(client: GraphQLClient, subject: str) -> dict | None:
    rows = await deliveries(client, await sent_id(client, subject))
    return rows if all(r["status"] == "SENT" for r in rows.values()) else None


async def test_codes_expire_and_allow_few_guesses(world, dovecot):
    srv, relay, _, backend = world
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    account = await _account(alice, dovecot, f"sa2-{backend}")
    address = f"guess-{backend}@far.test"
    sent = (await alice.data(REQUEST, id=account["id"], address=address))["requestSendAsCode"]
    assert sent["__typename"] == "SendAsCodeSent", sent
    code = await _code_mail(relay, address, 1)
    wrong = "000000" if code != "000000" else "111111"
    answers = [
        (await alice.data(CONFIRM, id=account["id"], code=wrong))["confirmSendAs"]["code"]
        for _ in range(5)
    ]
    assert answers == ["INVALID_CODE"] * 4 + ["TOO_MANY_ATTEMPTS"]
    late = (await alice.data(CONFIRM, id=account["id"], code=code))["confirmSendAs"]
    assert late["code"] == "TOO_MANY_ATTEMPTS"

    account3 = await _account(alice, dovecot, f"sa3-{backend}")
    address3 = f"late-{backend}@far.test"
    await alice.data(REQUEST, id=account3["id"], address=address3)
    code3 = await _code_mail(relay, address3, 1)
    srv.mailcore(
        """
        from datetime import UTC, datetime, timedelta
        await SendAsCode.filter(account_id=args["id"]).update(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)
        )
        return None
        """,
        id=int(account3["id"]),
    )
    expired = (await alice.data(CONFIRM, id=account3["id"], code=code3))["confirmSendAs"]
    assert expired["code"] == "CODE_EXPIRED"
    refused = await _send(alice, unique("unproved"), **{"from": address3})
    assert refused["code"] == "SENDER_NOT_ALLOWED"
