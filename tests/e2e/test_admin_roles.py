"""Administrator roles: who may appoint admins, and that plain members and other tenants may not."""

from __future__ import annotations

from tests.e2e.client import login
from tests.e2e.server import PASSWORD

SCOPE = "{ adminScope { isSuper permissions departmentIds } }"
ADMINS = "{ admins { email isSuper permissions } }"
GRANT = """
mutation G($email: String!, $super: Boolean!, $perms: [String!], $deps: [ID!]) {
  grantAdmin(email: $email, isSuper: $super, permissions: $perms, departmentIds: $deps) {
    __typename
    ... on AdminRoleType { email isSuper permissions departmentIds }
    ... on AdminError { code field message }
  }
}
"""
REVOKE = """
mutation R($email: String!) {
  revokeAdmin(email: $email) { __typename ... on AdminError { code } }
}
"""


async def test_a_plain_member_is_no_admin(server):
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert (await bob.data(SCOPE))["adminScope"] is None
    body = await bob.execute(ADMINS)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await bob.execute(GRANT, email="bob@example.com", super=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_super_admin_lists_and_appoints_within_the_enterprise(server):
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    assert (await admin.data(SCOPE))["adminScope"]["isSuper"] is True
    emails = [a["email"] for a in (await admin.data(ADMINS))["admins"]]
    assert emails == ["admin@example.com"] or "admin@example.com" in emails
    assert "oscar@other.org" not in emails, "admins of another enterprise are not listed"
    no_departments = (
        await admin.data(GRANT, email="bob@example.com", super=False, perms=["members"])
    )["grantAdmin"]
    assert no_departments["code"] == "INVALID" and no_departments["field"] == "departmentIds"
    bad_permission = (
        await admin.data(GRANT, email="bob@example.com", super=True, perms=["everything"])
    )["grantAdmin"]
    assert bad_permission["code"] == "INVALID"
    granted = (await admin.data(GRANT, email="carol@example.com", super=True))["grantAdmin"]
    assert granted["isSuper"] is True
    carol = await login(server.graphql_url, "carol@example.com", PASSWORD)
    assert (await carol.data(SCOPE))["adminScope"]["isSuper"] is True
    assert (await admin.data(REVOKE, email="carol@example.com"))["revokeAdmin"] == {
        "__typename": "Done"
    }
    assert (await carol.data(SCOPE))["adminScope"] is None


async def test_an_admin_of_another_enterprise_is_refused(server):
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    result = (await oscar.data(GRANT, email="bob@example.com", super=True))["grantAdmin"]
    assert result["code"] == "FORBIDDEN"
    result = (await oscar.data(REVOKE, email="admin@example.com"))["revokeAdmin"]
    assert result["code"] == "FORBIDDEN"


async def test_admin_queries_are_written_to_the_operation_log(server):
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    before = int(server.sql("SELECT count(*) FROM operation_log WHERE action = 'query.admins'"))
    await admin.data(ADMINS)
    after = int(server.sql("SELECT count(*) FROM operation_log WHERE action = 'query.admins'"))
    assert after == before + 1
