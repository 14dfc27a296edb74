"""Mail from outside claiming a domain hosted here (issue 13, finding 7): refused unless it
passes SPF or DKIM aligned with that domain, whatever DMARC record DNS has (none here); or,
by the owning enterprise's choice, kept in Spam with a warning; partner servers exempt."""

from __future__ import annotations

import aiosmtplib
import pytest

from mailcore.domains.dkim import _generate
from mailcore.mailauth import dkim as mailauth_dkim
from mailcore.mailauth.spoofing import REFUSED
from tests.conftest import BACKENDS, private_server
from tests.e2e.client import login
from tests.e2e.dnsserver import DnsServer
from tests.e2e.mail import find, simple_mail, submission, unique
from tests.e2e.server import PASSWORD

SET = """
mutation S($action: SpoofAction, $partners: [String!]) {
  setSpoofPolicy(action: $action, partners: $partners) {
    __typename
    ... on SpoofPolicy { action partners }
    ... on AdminError { code field message }
  }
}
"""
GET = "{ spoofPolicy { action partners } }"
WARNING = "query W($id: ID!) { message(id: $id) { spoofWarning } }"


@pytest.fixture(scope="module", params=BACKENDS)
def mx(request, tmp_path_factory):
    dns = DnsServer().start()
    env = {"QIYOU_DNS_SERVERS": dns.address, "QIYOU_DNS_TIMEOUT": "2"}
    data_dir = tmp_path_factory.mktemp(f"spoofing-{request.param}")
    with private_server(request.param, data_dir, env) as srv:
        yield srv, dns
    dns.stop()


async def _send(srv, envelope: str, message: bytes, to: str = "bob@example.com") -> None:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=srv.smtp_port, start_tls=False)
    await smtp.connect()
    try:
        await smtp.sendmail(envelope, [to], message)
    finally:
        await smtp.quit()


async def _refused(srv, envelope: str, message: bytes) -> str:
    with pytest.raises(aiosmtplib.SMTPDataError) as error:
        await _send(srv, envelope, message)
    assert error.value.code == 550, error.value
    return error.value.message


@pytest.mark.parametrize(
    ("envelope", "author", "claimed"),
    [
        ("ceo@example.com", "CEO <ceo@example.com>", "example.com"),  # both claim it
        ("x@outside.test", "Admin <admin@example.com>", "example.com"),  # header From only
        ("admin@example.com", "x@outside.test", "example.com"),  # envelope only
        ("x@outside.test", "Bob <bob@example.cn>", "example.cn"),  # an alias domain
        ("x@outside.test", "Olga <olga@other.org>", "other.org"),  # another enterprise's
    ],
)
async def test_unauthenticated_mail_claiming_a_hosted_domain_is_refused(
    mx, envelope, author, claimed
):
    srv, _ = mx
    subject = unique("spoofed")
    reply = await _refused(srv, envelope, simple_mail(author, "bob@example.com", subject))
    assert reply == REFUSED.format(domain=claimed)[4:]
    bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
    for folder in ("INBOX", "SPAM"):
        assert await find(bob, subject, folder, wait=0) is None


async def test_aligned_spf_or_dkim_lets_it_in(mx):
    srv, dns = mx
    bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
    # SPF: the domain's record names the connecting server.
    dns.set("example.com", "TXT", ['"v=spf1 ip4:127.0.0.1 -all"'])
    try:
        by_spf = unique("spf")
        await _send(
            srv, "news@example.com", simple_mail("news@example.com", "bob@example.com", by_spf)
        )
    finally:
        dns.set("example.com", "TXT", [])
    node = await find(bob, by_spf)
    assert node is not None
    assert (await bob.data(WARNING, id=node["id"]))["message"]["spoofWarning"] is None
    # DKIM: signed by a key the domain publishes (a mailing service it uses).
    pem, public = _generate()
    record = f"v=DKIM1; k=rsa; p={public}"
    chunks = " ".join(f'"{record[i : i + 200]}"' for i in range(0, len(record), 200))
    dns.set("svc._domainkey.example.com", "TXT", [chunks])
    by_dkim = unique("dkim")
    message = simple_mail("Alice <alice@example.com>", "bob@example.com", by_dkim)
    signed = await mailauth_dkim.sign(message, "example.com", "svc", pem)
    await _send(srv, "bounces@mailer.test", signed)
    assert await find(bob, by_dkim) is not None
    # The same signature over a changed body no longer passes.
    tampered = signed.replace(b"hello", b"pay now")
    await _refused(srv, "bounces@mailer.test", tampered)


async def test_the_owner_may_keep_it_in_spam_with_a_warning(mx):
    srv, _ = mx
    admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
    assert (await admin.data(GET))["spoofPolicy"] == {"action": "REJECT", "partners": []}
    changed = (await admin.data(SET, action="SPAM"))["setSpoofPolicy"]
    assert changed == {"__typename": "SpoofPolicy", "action": "SPAM", "partners": []}
    try:
        subject = unique("kept")
        await _send(
            srv,
            "x@outside.test",
            simple_mail("CEO <admin@example.com>", "bob@example.com", subject),
        )
        bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
        assert await find(bob, subject, "INBOX", wait=0) is None
        node = await find(bob, subject, "SPAM")
        assert node is not None
        warning = (await bob.data(WARNING, id=node["id"]))["message"]["spoofWarning"]
        assert warning and "example.com" in warning
        # other.org did not choose so: its domain stays refused.
        await _refused(
            srv, "x@outside.test", simple_mail("olga@other.org", "bob@example.com", subject)
        )
    finally:
        await admin.data(SET, action="REJECT")


async def test_partner_servers_are_exempt(mx):
    srv, _ = mx
    oscar = await login(srv.graphql_url, "oscar@other.org", PASSWORD)
    bad = (await oscar.data(SET, partners=["203.0.113.0/24", "not-an-ip"]))["setSpoofPolicy"]
    assert bad["__typename"] == "AdminError"
    assert (bad["code"], bad["field"]) == ("INVALID", "partners")
    done = (await oscar.data(SET, partners=["127.0.0.0/8", "2001:db8::1"]))["setSpoofPolicy"]
    assert done["partners"] == ["127.0.0.0/8", "2001:db8::1/128"]
    try:
        subject = unique("partner")
        await _send(srv, "crm@other.org", simple_mail("olga@other.org", "bob@example.com", subject))
        bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
        node = await find(bob, subject)
        assert node is not None
        assert (await bob.data(WARNING, id=node["id"]))["message"]["spoofWarning"] is None
        # example.com lists no partner: the same server is refused for it.
        await _refused(
            srv, "crm@example.com", simple_mail("crm@example.com", "bob@example.com", subject)
        )
    finally:
        await oscar.data(SET, partners=[])


async def test_only_administrators_see_or_change_the_setting(mx):
    srv, _ = mx
    bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
    for query in (GET, SET):
        body = await bob.execute(query, action="SPAM")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
    assert (await admin.data(GET))["spoofPolicy"]["action"] == "REJECT"


async def test_mail_between_hosted_enterprises_is_not_refused(mx):
    srv, _ = mx
    subject = unique("internal")
    smtp = await submission(srv, "olga@other.org")
    try:
        message = simple_mail("Olga <olga@other.org>", "bob@example.com", subject)
        await smtp.sendmail("olga@other.org", ["bob@example.com"], message)
    finally:
        await smtp.quit()
    bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
    node = await find(bob, subject)
    assert node is not None
    assert (await bob.data(WARNING, id=node["id"]))["message"]["spoofWarning"] is None
