"""postmaster@ (RFC 5321 4.5.1), abuse@ (RFC 2142) and dmarc@ (where our DMARC record sends
reports) exist in every hosted domain and reach the enterprise's administrators, even from
a sender the enterprise refuses (accepted, filed in Spam as the list says for mail it lets
in); a member or alias holding the name wins."""

from __future__ import annotations

import smtplib

import pytest

from tests.e2e.delivery_env import in_folder, until
from tests.e2e.mail import mx, simple_mail, unique
from tests.e2e.policy_company import Company, tag

BLOCK = """
mutation A($i: SenderListEntryInput!) {
  addSenderListEntry(input: $i) { __typename ... on AdminError { code field message } }
}
"""
ADD_ALIAS = """
mutation A($email: String!, $alias: String!) {
  addMemberAlias(email: $email, alias: $alias) { __typename ... on AdminError { message } }
}
"""
DNS = "query D($d: String!) { dnsRecords(domain: $d) { type name value } }"


@pytest.fixture(scope="module")
async def company(server):
    company = await Company.create(server, "postmaster")
    dept = await company.department(f"P {tag()}")
    company.m1 = await company.member("m1", [dept])
    company.clerk = await company.member("clerk", [dept])  # an administrator of members only
    await company.grant(company.clerk, ["members"], [dept])
    return company


def _send(server, sender: str, rcpts: list[str], subject: str) -> dict:
    with mx(server.smtp_port) as smtp:
        return smtp.sendmail(sender, rcpts, simple_mail(sender, rcpts[0], subject))


async def test_role_addresses_reach_the_administrators(server, company):
    records = (await company.admin.data(DNS, d=company.domain))["dnsRecords"]
    [dmarc] = [r for r in records if r["name"].startswith("_dmarc.")]
    rua = dmarc["value"].split("rua=mailto:")[1].split(";")[0]  # what reporters will use
    for local in ("postmaster", "abuse"):
        subject = unique(local)
        assert _send(server, "ext@far.test", [f"{local}@{company.domain}"], subject) == {}
        assert await until(lambda s=subject: in_folder(company.admin, s), what=subject)
    subject = unique("dmarc")
    assert _send(server, "ext@far.test", [rua], subject) == {}
    assert await until(lambda: in_folder(company.admin, subject), what="mail to the rua")
    # Neither the member nor an administrator without the domains permission get them.
    for email in (company.m1, company.clerk):
        assert await in_folder(await company.client(email), subject) == []


async def test_postmaster_takes_mail_from_a_refused_sender(server, company):
    bad = f"bad-{tag()}.test"
    added = await company.admin.data(BLOCK, i={"kind": "BLOCK", "pattern": f"@{bad}"})
    assert added["addSenderListEntry"]["__typename"] == "SenderListEntry", added
    with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
        _send(server, f"x@{bad}", [company.m1], unique("refused"))
    assert exc.value.recipients[company.m1][0] == 550
    subject = unique("complaint")
    assert _send(server, f"x@{bad}", [f"postmaster@{company.domain}"], subject) == {}
    # Accepted (RFC 5321 4.5.1) and kept where the enterprise files that sender's mail.
    assert await until(lambda: in_folder(company.admin, subject, "SPAM"), what="postmaster mail")


async def test_an_alias_of_that_name_wins_and_others_stay_unknown(server, company):
    abuse = f"abuse@{company.domain}"
    added = await company.admin.data(ADD_ALIAS, email=company.m1, alias=abuse)
    assert added["addMemberAlias"]["__typename"] == "AdminMember", added
    subject = unique("abuse")
    assert _send(server, "ext@far.test", [abuse], subject) == {}
    m1 = await company.client(company.m1)
    assert await until(lambda: in_folder(m1, subject), what="the alias's mail")
    assert await in_folder(company.admin, subject) == []
    nobody = f"hostmaster-{tag()}@{company.domain}"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
        _send(server, "ext@far.test", [nobody], unique("nobody"))
    assert exc.value.recipients[nobody][0] == 550
