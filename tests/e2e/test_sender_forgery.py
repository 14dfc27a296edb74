"""Sender forgery (issue 13, finding 2): an authenticated member may put in ``From`` and
``Sender`` only addresses they may send as, and outbound mail is DKIM-signed only with a key
of the sender's own enterprise."""

from __future__ import annotations

import uuid
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import getaddresses

import aiosmtplib
import dkim
import pytest

from mailcore.protocols.smtp import replies
from tests.conftest import BACKENDS, private_server
from tests.e2e.client import login
from tests.e2e.delivery_env import dkim_lookup, in_folder, publish_dkim, publish_mx, raw, until
from tests.e2e.dnsserver import DnsServer
from tests.e2e.mail import find, simple_mail, submission, unique
from tests.e2e.server import PASSWORD
from tests.e2e.smtpsink import Sink

SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename
    ... on SendMailSuccess { sent { id from { address } } }
    ... on MailError { code field message }
  }
}
"""
FORWARD = """
mutation F($to: [String!]) {
  setForwarding(enabled: true, addresses: $to, keepCopy: true) { __typename }
}
"""
REMOTE = "one.test"


def mail(headers: dict[str, str], subject: str, to: str = "bob@example.com") -> bytes:
    msg = EmailMessage()
    for name, value in headers.items():
        msg[name] = value
    msg["To"], msg["Subject"] = to, subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@test.example>"
    msg.set_content("pay the invoice today")
    return msg.as_bytes()


async def _submit(
    server, message: bytes, sender: str = "alice@example.com", to: str = "bob@example.com"
):
    smtp = await submission(server)
    try:
        await smtp.sendmail(sender, [to], message)
    finally:
        await smtp.quit()


def refusal(address: str) -> str:
    return replies.SENDER_NOT_ALLOWED.format(address=address)[4:]


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"From": "Boss <boss@other.org>"}, "boss@other.org"),  # another tenant's address
        ({"From": "CEO <bob@example.com>"}, "bob@example.com"),  # a colleague
        ({"From": '"alice@example.com" <olga@other.org>'}, "olga@other.org"),
        ({"From": "alice@example.com, bob@example.com"}, "bob@example.com"),
        ({"From": "alice@example.com", "Sender": "Bob <bob@example.com>"}, "bob@example.com"),
        ({"From": "The Boss"}, "The Boss"),  # no address: refused, not skipped
    ],
)
async def test_submission_refuses_a_header_sender_the_member_does_not_own(server, headers, refused):
    subject = unique("forged")
    with pytest.raises(aiosmtplib.SMTPDataError) as error:
        await _submit(server, mail(headers, subject))
    assert error.value.code == 553
    assert error.value.message == refusal(refused)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, subject, wait=0) is None


@pytest.mark.parametrize(
    ("envelope", "headers"),
    [
        ("alice@example.com", {"From": "Alice <alice@example.com>"}),
        ("alice@example.com", {"From": "ali@example.net"}),  # her alias
        ("alice@example.com", {"From": "Alice <alice@example.cn>"}),  # the alias domain
        ("alice@example.cn", {"From": "alice@example.com", "Sender": "ALI@example.net"}),
        ("alice@example.com", {}),  # no From header: accepted (issue 15 adds one)
    ],
)
async def test_own_addresses_aliases_and_alias_domains_are_accepted(server, envelope, headers):
    subject = unique("own")
    await _submit(server, mail(headers, subject), sender=envelope)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, subject) is not None


async def test_compose_writes_the_members_own_from_whatever_the_client_sends(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    token = uuid.uuid4().hex
    forged = {"to": ["bob@example.com"], "subject": f"{token}\r\nFrom: Boss <boss@other.org>"}
    sent = (await alice.data(SEND, i=forged))["sendMail"]
    assert sent["__typename"] == "SendMailSuccess", sent
    assert sent["sent"]["from"] == {"address": "alice@example.com"}
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    [node] = await until(lambda: in_folder(bob, token), 10, "bob's copy")
    stored = message_from_bytes(await raw(server, bob, node["id"]))
    senders = getaddresses(stored.get_all("From", []) + stored.get_all("Sender", []))
    assert [address for _, address in senders] == ["alice@example.com"]
    # The From choice (``from``) takes only the member's own addresses, aliases and proved
    # send-as addresses (tests/e2e/test_send_as.py): another one is refused, nothing sent.
    body = await alice.data(SEND, i={"to": ["bob@example.com"], "from": "boss@other.org"})
    assert body["sendMail"]["__typename"] == "MailError", body
    assert body["sendMail"]["code"] == "SENDER_NOT_ALLOWED"


# --- DKIM: only the sender's enterprise's keys ------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def remote(request, tmp_path_factory):
    dns = DnsServer().start()
    sink = Sink(tmp_path_factory.mktemp("sink")).start()
    publish_mx(dns, REMOTE)
    env = {
        "QIYOU_DNS_SERVERS": dns.address,
        "QIYOU_DNS_TIMEOUT": "2",
        "QIYOU_OUTBOUND_PORT": str(sink.port),
        "QIYOU_OUTBOUND_POLL": "0.2",
        "QIYOU_HOSTNAME": "mail.qiyou.test",
    }
    data_dir = tmp_path_factory.mktemp(f"forgery-{request.param}")
    with private_server(request.param, data_dir, env) as srv:
        yield srv, dns, sink
    sink.stop()
    dns.stop()


async def _delivered(sink: Sink, subject: str) -> bytes:
    def match():
        for m in sink.messages:
            if subject in str(message_from_bytes(m.data)["Subject"]):
                return m.data
        return None

    return await until(match, what=f"{subject!r} at the remote server")


def _signing_domain(data: bytes) -> str:
    signature = message_from_bytes(data)["DKIM-Signature"]
    assert signature, "the external copy is DKIM-signed"
    tags = dict(
        part.strip().split("=", 1) for part in "".join(signature.split()).split(";") if "=" in part
    )
    return tags["d"]


async def _publish_keys(srv, dns) -> None:
    for admin in ("admin@example.com", "oscar@other.org"):
        await publish_dkim(dns, await login(srv.graphql_url, admin, PASSWORD))


async def test_a_rule_forward_is_signed_with_the_forwarding_members_domain(remote):
    """olga@other.org writes to alice, whose forwarding sends it on outside: the copy keeps
    olga's From, and must be signed by example.com, never with other.org's key."""
    srv, dns, sink = remote
    alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
    await alice.data(FORWARD, to=[f"x@{REMOTE}"])
    subject = unique("forwarded")
    smtp = await submission(srv, "olga@other.org")
    try:
        message = simple_mail("Olga <olga@other.org>", "alice@example.com", subject)
        await smtp.sendmail("olga@other.org", ["alice@example.com"], message)
    finally:
        await smtp.quit()
    data = await _delivered(sink, subject)
    await _publish_keys(srv, dns)
    assert _signing_domain(data) == "example.com"
    assert dkim.verify(data, dnsfunc=dkim_lookup(dns))


async def test_an_alias_domain_from_is_signed_with_that_domain(remote):
    srv, dns, sink = remote
    subject = unique("alias domain")
    smtp = await submission(srv)
    try:
        message = simple_mail("Alice <alice@example.cn>", f"y@{REMOTE}", subject)
        await smtp.sendmail("alice@example.com", [f"y@{REMOTE}"], message)
    finally:
        await smtp.quit()
    data = await _delivered(sink, subject)
    await _publish_keys(srv, dns)
    assert _signing_domain(data) == "example.cn"
    assert dkim.verify(data, dnsfunc=dkim_lookup(dns))
