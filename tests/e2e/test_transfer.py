"""Undeliverable transfer (A6): mail to a non-existent address of a hosted domain goes to the
mailbox the administrator chose, with the original recipient shown; scope checks."""

from __future__ import annotations

import smtplib

import pytest

from tests.e2e.client import login
from tests.e2e.delivery_env import in_folder, raw, until
from tests.e2e.mail import mx, simple_mail, unique
from tests.e2e.policy_company import Company, tag
from tests.e2e.server import PASSWORD

SET = """
mutation S($d: String!, $t: String) {
  setDomainTransfer(domain: $d, target: $t) {
    __typename ... on AdminError { code field message }
  }
}
"""
LIST = "{ domainTransfers { domain target } }"


@pytest.fixture(scope="module")
async def company(server):
    company = await Company.create(server, "transfer")
    company.catchall = await company.member("catchall")
    company.m1 = await company.member("m1")
    return company


def _send(server, rcpts: list[str], subject: str) -> dict:
    with mx(server.smtp_port) as smtp:
        return smtp.sendmail("ext@far.test", rcpts, simple_mail("ext@far.test", rcpts[0], subject))


async def test_unknown_addresses_go_to_the_transfer_mailbox(server, company):
    nobody = f"nobody-{tag()}@{company.domain}"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
        _send(server, [nobody], unique("refused"))
    assert exc.value.recipients[nobody][0] == 550

    done = await company.admin.data(SET, d=company.domain, t=company.catchall)
    assert done["setDomainTransfer"] == {"__typename": "Done"}
    assert {"domain": company.domain, "target": company.catchall} in (
        await company.admin.data(LIST)
    )["domainTransfers"]
    subject = unique("transferred")
    assert _send(server, [nobody, company.m1], subject) == {}
    catchall = await company.client(company.catchall)
    [entry] = await until(lambda: in_folder(catchall, subject), what="the transferred mail")
    assert f"X-Original-To: {nobody}".encode() in await raw(server, catchall, entry["id"])
    m1 = await company.client(company.m1)
    assert await until(lambda: in_folder(m1, subject), what="the known recipient's copy")

    cleared = (await company.admin.data(SET, d=company.domain, t=None))["setDomainTransfer"]
    assert cleared == {"__typename": "Done"}
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(server, [nobody], unique("refused again"))


async def test_transfer_setting_is_scoped(server, company):
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    foreign = (await oscar.data(SET, d=company.domain, t="olga@other.org"))["setDomainTransfer"]
    assert foreign["code"] == "NOT_FOUND"
    outsider = await company.admin.data(SET, d=company.domain, t="olga@other.org")
    assert outsider["setDomainTransfer"]["code"] == "NOT_FOUND"
    m1 = await company.client(company.m1)
    plain = await m1.execute(SET, d=company.domain, t=company.m1)
    assert plain["errors"][0]["extensions"]["code"] == "FORBIDDEN"
