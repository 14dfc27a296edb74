"""International addresses end to end (RFC 6531, IDNA 2008 / UTS 46): UTF-8 local parts for
members (CLI) and aliases (GraphQL), IDN domains stored as U-labels and reached by their
A-labels too, SMTPUTF8 required for a UTF-8 address on the MX, clear errors for bad names."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import idna
import pytest

from tests.e2e.client import login
from tests.e2e.delivery_env import in_folder, until
from tests.e2e.mail import submission, unique
from tests.e2e.policy_company import tag
from tests.e2e.server import PASSWORD

ADD_DOMAIN = """
mutation A($name: String!) {
  addDomain(name: $name) {
    __typename ... on EnterpriseDomain { name } ... on AdminError { code field message }
  }
}
"""
DNS = "query D($d: String!) { dnsRecords(domain: $d) { type name value } }"
SEND = """
mutation S($input: ComposeInput!) {
  sendMail(input: $input) { __typename ... on MailError { code field message } }
}
"""
NEW_MEMBER = """
mutation M($i: CreateMemberInput!) {
  createMember(input: $i) { __typename ... on AdminError { code field message } }
}
"""
ADD_ALIAS = """
mutation A($email: String!, $alias: String!) {
  addMemberAlias(email: $email, alias: $alias) {
    __typename ... on AdminMember { aliases } ... on AdminError { code field message }
  }
}
"""


@pytest.fixture(scope="module")
async def company(server):
    """An enterprise on an IDN domain (例子<tag>.公司) with its super admin, made by the CLI
    given the domain as A-labels."""
    domain = f"例子{tag()}.公司"
    added = server.cli("domain", "add", idna.encode(domain, uts46=True).decode())
    assert f"domain {domain} added" in added.stdout  # stored as its U-labels
    server.cli("user", "add", f"boss@{domain}", "--password", PASSWORD)
    server.cli("admin", "grant", f"boss@{domain}", "--super")
    admin = await login(server.graphql_url, f"boss@{domain}", PASSWORD)
    return domain, admin


def _mail(sender: str, to: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content("你好")
    return message.as_bytes(policy=message.policy.clone(utf8=True))


def _refusal(server, sender: str, rcpt: str, mail_options: list[str]) -> tuple[int, str]:
    """What the MX answers at MAIL, else at RCPT (the client sends UTF-8 either way)."""
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("smtputf8")
        smtp.command_encoding = "utf-8"  # smtplib would refuse to send it itself
        code, text = smtp.mail(sender, mail_options)
        if code != 250:
            return code, text.decode()
        code, text = smtp.rcpt(rcpt)
        return code, text.decode()


async def test_utf8_member_and_alias_receive_mail_over_smtputf8(server, company):
    domain, admin = company
    member = f"用户{tag()}@{domain}"
    added = server.cli("user", "add", member, "--password", PASSWORD)
    assert f"member {member} added" in added.stdout
    alias = f"汤姆{tag()}@{domain.upper()}"
    added = (await admin.data(ADD_ALIAS, email=member, alias=alias))["addMemberAlias"]
    assert added == {"__typename": "AdminMember", "aliases": [alias.lower()]}

    # Without SMTPUTF8 on MAIL a UTF-8 address is refused (RFC 6531 3.5).
    code, text = _refusal(server, "ext@far.test", alias, [])
    assert (code, text[:5]) == (553, "5.6.7")
    code, text = _refusal(server, "外人@far.test", f"boss@{domain}", [])
    assert (code, text[:5]) == (553, "5.6.7")

    subject = unique("eai")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as smtp:
        refused = smtp.sendmail(
            "外人@far.test", [alias], _mail("外人@far.test", alias, subject), ["SMTPUTF8"]
        )
    assert refused == {}
    reader = await login(server.graphql_url, member, PASSWORD)
    [entry] = await until(lambda: in_folder(reader, subject), what="the mail to the alias")
    assert entry["subject"] == subject

    # From the web app too (GraphQL sendMail): the boss writes to the alias.
    subject = unique("web")
    sent = await admin.data(SEND, input={"to": [alias], "subject": subject, "text": "你好"})
    assert sent["sendMail"]["__typename"] == "SendMailSuccess", sent
    assert await until(lambda: in_folder(reader, subject), what="the mail sent from the web")


async def test_a_utf8_member_sends_through_submission_with_smtputf8(server, company):
    domain, _ = company
    sender, rcpt = f"发件人{tag()}@{domain}", f"收件人{tag()}@{domain}"
    for address in (sender, rcpt):
        server.cli("user", "add", address, "--password", PASSWORD)
    subject = unique("submitted")
    smtp = await submission(server, sender)  # AUTH PLAIN with the UTF-8 address
    try:
        refused, _ = await smtp.sendmail(
            sender, [rcpt], _mail(sender, rcpt, subject), mail_options=["SMTPUTF8"]
        )
    finally:
        await smtp.quit()
    assert refused == {}
    reader = await login(server.graphql_url, rcpt, PASSWORD)
    [entry] = await until(lambda: in_folder(reader, subject), what="the submitted mail")
    assert entry["subject"] == subject


async def test_a_labels_and_u_labels_reach_the_same_member(server, company):
    domain, _ = company
    a_label = idna.encode(domain, uts46=True).decode()
    member = f"tom{tag()}@{domain}"
    server.cli("user", "add", member, "--password", PASSWORD)
    reader = await login(server.graphql_url, member.replace(domain, a_label), PASSWORD)
    subjects = [unique("alabel"), unique("ulabel")]
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as smtp:
        to = member.replace(domain, a_label)  # plain ASCII: no SMTPUTF8 needed
        assert smtp.sendmail("ext@far.test", [to], _mail("ext@far.test", to, subjects[0])) == {}
        refused = smtp.sendmail(
            "ext@far.test", [member], _mail("ext@far.test", member, subjects[1]), ["SMTPUTF8"]
        )
        assert refused == {}
    for subject in subjects:
        assert await until(lambda s=subject: in_folder(reader, s), what=subject)


async def test_dns_records_of_an_idn_domain_use_a_labels(server, company):
    domain, admin = company
    a_label = idna.encode(domain, uts46=True).decode()
    records = (await admin.data(DNS, d=domain))["dnsRecords"]
    assert all((r["name"] + r["value"]).isascii() for r in records), records
    [dmarc] = [r for r in records if r["type"] == "TXT" and r["name"] == f"_dmarc.{a_label}"]
    assert f"rua=mailto:dmarc@{a_label}" in dmarc["value"]


async def test_bad_names_are_refused_with_the_reason(server, company):
    domain, admin = company
    cases = {
        "pаypal-x.com": "mixes look-alike scripts",  # a Cyrillic а among Latin letters
        f"{'例' * 60}.com": "63",  # a label over 63 octets as A-labels
        "xn--zz.com": "not a valid internationalized domain name",
        "a_b.com": "not a valid domain name",
    }
    for name, reason in cases.items():
        answer = (await admin.data(ADD_DOMAIN, name=name))["addDomain"]
        assert answer["__typename"] == "AdminError", (name, answer)
        assert (answer["code"], answer["field"]) == ("INVALID", "name")
        assert reason in answer["message"], (name, answer)
    for email, reason in ((f"a\u200bb@{domain}", "U+200B"), (f"{'汤' * 22}@{domain}", "64 octets")):
        made = await admin.data(NEW_MEMBER, i={"email": email, "password": PASSWORD})
        answer = made["createMember"]
        assert (answer["code"], answer["field"]) == ("INVALID", "email"), answer
        assert reason in answer["message"]
    member = f"成员{tag()}@{domain}"
    made = await admin.data(NEW_MEMBER, i={"email": member, "password": PASSWORD})
    assert made["createMember"] == {"__typename": "AdminMember"}
    failed = server.cli("domain", "add", "pаypal-y.com", check=False)
    assert failed.returncode != 0 and "look-alike" in failed.stderr
    failed = server.cli("user", "add", "a\u200bb@example.com", "--password", PASSWORD, check=False)
    assert failed.returncode != 0 and "U+200B" in failed.stderr
