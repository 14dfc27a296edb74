"""App passwords across a real server's mail ports: smtplib with STARTTLS on the submission
port, imaplib on IMAPS and poplib on POP3S (the logic is tested in process in
tests/service/test_app_passwords.py). One member of a company of its own, secure login on."""

from __future__ import annotations

import imaplib
import poplib
import smtplib

import pytest

from tests.e2e.mail import client_tls
from tests.e2e.policy_company import Company
from tests.e2e.server import PASSWORD

CREATE = """
mutation C($name: String!) {
  createAppPassword(name: $name) { __typename ... on AppPasswordCreated { secret } }
}
"""
SECURE_LOGIN = (
    "mutation S($email: String) { setSecureLogin(enabled: true, email: $email) { __typename } }"
)
LIST = "{ appPasswords { name lastUsedProtocol } }"
LOGINS = "{ myLogins(first: 10) { edges { node { client success reason } } } }"


def smtp_login(server, email: str, password: str) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", server.submission_port, timeout=30) as smtp:
        smtp.starttls(context=client_tls())
        try:
            return smtp.login(email, password)
        except smtplib.SMTPResponseException as exc:
            return exc.smtp_code, exc.smtp_error


@pytest.fixture(scope="module")
async def member(server):
    """A member with secure login on and one app password: (email, client, secret)."""
    company = await Company.create(server, "apw")
    email = await company.member("mua")
    client = await company.client(email)
    secret = (await client.data(CREATE, name="Thunderbird"))["createAppPassword"]["secret"]
    assert (await company.admin.data(SECURE_LOGIN, email=email))["setSecureLogin"]
    return email, client, secret


async def test_smtp_takes_the_app_password_and_refuses_the_main_one(server, member):
    email, client, secret = member
    code, message = smtp_login(server, email, PASSWORD)
    assert code == 535 and b"app password" in message, message
    assert smtp_login(server, email, secret)[0] == 235
    assert (await client.data(LIST))["appPasswords"] == [
        {"name": "Thunderbird", "lastUsedProtocol": "smtp"}
    ]
    events = [e["node"] for e in (await client.data(LOGINS))["myLogins"]["edges"]]
    smtp = [e for e in events if e["client"] == "SMTP"]
    assert smtp[:2] == [
        {"client": "SMTP", "success": True, "reason": "app_password"},
        {"client": "SMTP", "success": False, "reason": "app_password_required"},
    ]


async def test_imap_takes_the_app_password_and_refuses_the_main_one(server, member):
    email, client, secret = member
    with imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=client_tls()) as imap:
        with pytest.raises(imaplib.IMAP4.error, match="app password"):
            imap.login(email, PASSWORD)
    with imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=client_tls()) as imap:
        assert imap.login(email, secret)[0] == "OK"
        assert imap.select("INBOX")[0] == "OK"
    used = (await client.data(LIST))["appPasswords"][0]
    assert used["lastUsedProtocol"] == "imap"


async def test_pop3_takes_the_app_password_and_refuses_the_main_one(server, member):
    email, client, secret = member
    pop = poplib.POP3_SSL("127.0.0.1", server.pop3s_port, context=client_tls(), timeout=30)
    try:
        pop.user(email)
        with pytest.raises(poplib.error_proto, match="app password"):
            pop.pass_(PASSWORD)
    finally:
        pop.close()
    pop = poplib.POP3_SSL("127.0.0.1", server.pop3s_port, context=client_tls(), timeout=30)
    try:
        pop.user(email)
        assert pop.pass_(secret).startswith(b"+OK")
        pop.quit()
    finally:
        pop.close()
    used = (await client.data(LIST))["appPasswords"][0]
    assert used["lastUsedProtocol"] == "pop3"


REVOKE = "mutation R($id: ID!) { revokeAppPassword(id: $id) { __typename } }"
IDS = "{ appPasswords { id name } }"


async def test_revoking_an_app_password_ends_the_sessions_that_use_it(server, member):
    """Review finding: IMAP and POP3 sessions outlived a revoked app password (and a disabled
    member). The test server checks a session's login before every command
    (QIYOU_CLIENT_LOGIN_CHECK=0; 30 s by default)."""
    email, client, _ = member
    made = {}
    for name in ("imap-revoked", "pop3-revoked"):
        made[name] = (await client.data(CREATE, name=name))["createAppPassword"]["secret"]
    ids = {row["name"]: row["id"] for row in (await client.data(IDS))["appPasswords"]}
    imap = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=client_tls())
    imap.login(email, made["imap-revoked"])
    assert imap.noop()[0] == "OK"
    pop = poplib.POP3_SSL("127.0.0.1", server.pop3s_port, context=client_tls(), timeout=30)
    pop.user(email)
    pop.pass_(made["pop3-revoked"])
    assert pop.stat()[0] >= 0
    for name in made:
        done = await client.data(REVOKE, id=ids[name])
        assert done["revokeAppPassword"]["__typename"] == "Done"
    with pytest.raises(imaplib.IMAP4.abort, match="no longer valid"):
        imap.noop()
    with pytest.raises(poplib.error_proto, match="no longer valid"):
        pop.stat()
    pop.close()
