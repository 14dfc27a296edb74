"""Restricted external sending (A7): listed members and departments cannot send outside —
refused at RCPT on the submission port, with a typed error in GraphQL sendMail and in
forwarding settings; administered within scope and logged. In process (tests/service):
GraphQL through the ASGI transport, submission over SMTP to the listener in this loop."""

from __future__ import annotations

import aiosmtplib
import pytest

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import simple_mail, submission, unique
from tests.e2e.policy_company import Company
from tests.e2e.server import PASSWORD

OUTSIDE = "partner@outside.test"
ADD = """
mutation A($email: String, $dep: ID) {
  addSendRestriction(memberEmail: $email, departmentId: $dep) {
    __typename
    ... on SendRestrictionType { id memberEmail departmentId }
    ... on AdminError { code field message }
  }
}
"""
REMOVE = """
mutation R($id: ID!) {
  removeSendRestriction(id: $id) { __typename ... on AdminError { code } }
}
"""
LIST = "{ sendRestrictions { id memberEmail departmentId } }"
SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename
    ... on SendMailSuccess { queued sent { id } }
    ... on MailError { code field message }
  }
}
"""
FORWARD = """
mutation F($addresses: [String!]) {
  setForwarding(enabled: true, addresses: $addresses, keepCopy: true) {
    __typename
    ... on Forwarding { enabled addresses }
    ... on RuleError { code field message }
  }
}
"""


@pytest.fixture(scope="module")
async def co(service):
    """sales ⊃ east; quiet (restricted member), free, seller (sales), easterner (east);
    lead: scoped admin of east with the policies permission; clerk: east, no permission."""
    company = await Company.create(service, "restrict")
    sales = await company.department("Sales")
    east = await company.department("East", parent=sales)
    people = {
        "quiet": await company.member("quiet"),
        "free": await company.member("free"),
        "seller": await company.member("seller", [sales]),
        "easterner": await company.member("easterner", [east]),
        "lead": await company.member("lead", [east]),
        "clerk": await company.member("clerk", [east]),
    }
    await company.grant(people["lead"], ["policies"], [east])
    await company.grant(people["clerk"], ["members"], [east])
    added = (await company.admin.data(ADD, email=people["quiet"]))["addSendRestriction"]
    assert added["__typename"] == "SendRestrictionType", added
    return {"company": company, "Sales": sales, "East": east, **people}


async def send(client: GraphQLClient, **fields) -> dict:
    fields.setdefault("subject", unique("restrict"))
    fields.setdefault("text", "hello")
    return (await client.data(SEND, i=fields))["sendMail"]


async def test_restricted_member_gets_a_typed_error_naming_the_field(service, co):
    quiet = await co["company"].login(co["quiet"])
    refused = await send(quiet, to=[co["free"]], cc=[OUTSIDE])
    assert refused["__typename"] == "MailError", refused
    assert refused["code"] == "EXTERNAL_NOT_ALLOWED" and refused["field"] == "cc"
    assert "may not send outside the company" in refused["message"]
    internal = await send(quiet, to=[co["free"]])
    assert internal["__typename"] == "SendMailSuccess" and internal["queued"] == 0
    free = await co["company"].login(co["free"])
    allowed = await send(free, to=[OUTSIDE])
    assert allowed["__typename"] == "SendMailSuccess" and allowed["queued"] == 1


async def test_smtp_submission_refuses_the_external_recipient_at_rcpt(service, co):
    smtp = await submission(service, user=co["quiet"])
    await smtp.mail(co["quiet"])
    with pytest.raises(aiosmtplib.SMTPRecipientRefused) as refused:
        await smtp.rcpt(OUTSIDE)
    assert refused.value.code == 550
    assert "may not send outside the company" in refused.value.message
    assert OUTSIDE in refused.value.message
    response = await smtp.rcpt(co["free"])  # the same session still reaches colleagues
    assert response.code == 250
    subject = unique("smtp-internal")
    response = await smtp.data(simple_mail(co["quiet"], co["free"], subject))
    assert response.code == 250
    await smtp.quit()
    queued = service.sql(
        f"SELECT count(*) FROM outbound_message WHERE envelope_from = '{co['quiet']}'"
    )
    assert queued == "0"


async def test_department_restriction_covers_sub_departments_and_can_be_lifted(service, co):
    company = co["company"]
    added = (await company.admin.data(ADD, dep=co["Sales"]))["addSendRestriction"]
    assert added["departmentId"] == co["Sales"]
    easterner = await company.login(co["easterner"])
    refused = await send(easterner, to=[OUTSIDE])
    assert refused["__typename"] == "MailError" and refused["code"] == "EXTERNAL_NOT_ALLOWED"
    smtp = await submission(service, user=co["seller"])
    await smtp.mail(co["seller"])
    with pytest.raises(aiosmtplib.SMTPRecipientRefused) as rcpt:
        await smtp.rcpt(OUTSIDE)
    assert rcpt.value.code == 550
    await smtp.quit()
    removed = (await company.admin.data(REMOVE, id=added["id"]))["removeSendRestriction"]
    assert removed["__typename"] == "Done"
    allowed = await send(easterner, to=[OUTSIDE])
    assert allowed["__typename"] == "SendMailSuccess" and allowed["queued"] == 1
    logged = service.sql(
        "SELECT count(*) FROM operation_log WHERE action LIKE 'policy.restrict_external.%' "
        f"AND target = 'department:{co['Sales']}'"
    )
    assert logged == "2"


async def test_forwarding_outside_obeys_the_restriction(service, co):
    quiet = await co["company"].login(co["quiet"])
    refused = (await quiet.data(FORWARD, addresses=[OUTSIDE]))["setForwarding"]
    assert refused["__typename"] == "RuleError", refused
    assert refused["code"] == "EXTERNAL_NOT_ALLOWED" and refused["field"] == "addresses"
    free = await co["company"].login(co["free"])
    allowed = (await free.data(FORWARD, addresses=[OUTSIDE]))["setForwarding"]
    assert allowed == {"__typename": "Forwarding", "enabled": True, "addresses": [OUTSIDE]}
    off = "mutation { setForwarding(enabled: false) { __typename } }"
    assert (await free.data(off))["setForwarding"]["__typename"] == "Forwarding"


async def test_who_may_manage_restrictions(service, co):
    company = co["company"]
    member = await company.login(co["free"])
    denied = await member.execute(ADD, email=co["seller"])
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    oscar = await login(service.graphql_url, "oscar@other.org", PASSWORD)
    foreign = (await oscar.data(ADD, email=co["seller"]))["addSendRestriction"]
    assert foreign["__typename"] == "AdminError" and foreign["code"] == "NOT_FOUND"
    assert co["quiet"] not in str(await oscar.data(LIST))
    lead = await company.login(co["lead"])
    outside = (await lead.data(ADD, email=co["seller"]))["addSendRestriction"]
    assert outside["__typename"] == "AdminError" and outside["code"] == "FORBIDDEN"
    inside = (await lead.data(ADD, email=co["easterner"]))["addSendRestriction"]
    assert inside["__typename"] == "SendRestrictionType", inside
    listed = [r["memberEmail"] for r in (await lead.data(LIST))["sendRestrictions"]]
    assert listed == [co["easterner"]]  # the quiet member is outside the lead's scope
    clerk = await company.login(co["clerk"])
    no_permission = (await clerk.data(ADD, email=co["easterner"]))["addSendRestriction"]
    assert no_permission["__typename"] == "AdminError" and no_permission["code"] == "FORBIDDEN"
    removed = (await lead.data(REMOVE, id=inside["id"]))["removeSendRestriction"]
    assert removed["__typename"] == "Done"
