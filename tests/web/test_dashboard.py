"""The admin dashboard query (adminDashboard): figures within the caller's admin scope only.

Runs in an enterprise of its own so other modules' mail and logins never count here.
"""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import mx, simple_mail
from tests.e2e.server import PASSWORD, seed

DASHBOARD = """
query D($days: Int!) {
  adminDashboard(days: $days) {
    members disabled storageUsed storageQuota
    days { day received sentOut logins failedLogins }
  }
}
"""
CREATE_DEPARTMENT = """
mutation C($n: String!) { createDepartment(name: $n) { __typename ... on AdminDepartment { id } } }
"""
MOVE = """
mutation M($e: String!, $d: [ID!]) {
  updateMember(email: $e, input: {departmentIds: $d}) { __typename ... on AdminError { code } }
}
"""


@pytest.fixture(scope="module")
async def company(server):
    domain = f"dash-{uuid.uuid4().hex[:8]}.test"
    people = {name: f"{name}@{domain}" for name in ("boss", "lead", "ann", "ben")}
    other = f"dash-other-{uuid.uuid4().hex[:8]}.test"
    seed(
        server,
        domains=(domain, other),
        members={**{email: {"quota": "1M"} for email in people.values()}, f"eve@{other}": {}},
        supers=(people["boss"], f"eve@{other}"),
    )
    boss = await login(server.graphql_url, people["boss"], PASSWORD)
    a = (await boss.data(CREATE_DEPARTMENT, n="A"))["createDepartment"]["id"]
    b = (await boss.data(CREATE_DEPARTMENT, n="B"))["createDepartment"]["id"]
    for name, dept in (("lead", a), ("ann", a), ("ben", b)):
        assert (await boss.data(MOVE, e=people[name], d=[dept]))["updateMember"]
    server.cli("admin", "grant", people["lead"], "--permission", "members", "--department-id", a)
    with mx(server.smtp_port) as smtp:
        for name in ("ann", "ben", "ben"):
            smtp.sendmail(
                "friend@outside.test",
                [people[name]],
                simple_mail("friend@outside.test", people[name], "hello"),
            )
    bad = await GraphQLClient(server.graphql_url).data(
        'mutation L($e: String!) { login(email: $e, password: "wrong-one") { __typename } }',
        e=people["ben"],
    )
    assert bad["login"]["__typename"] == "AuthError"
    people["eve"] = f"eve@{other}"
    return people, boss


async def test_super_admin_sees_the_whole_enterprise(server, company):
    people, boss = company
    figures = (await boss.data(DASHBOARD, days=7))["adminDashboard"]
    assert figures["members"] == 4
    assert figures["disabled"] == 0
    assert figures["storageQuota"] == 4 * 1024 * 1024
    assert figures["storageUsed"] > 0
    assert len(figures["days"]) == 7
    today = figures["days"][-1]
    assert today["received"] == 3  # only this enterprise's mail
    assert today["failedLogins"] == 1
    assert today["logins"] >= 1


async def test_scoped_admin_sees_only_their_departments(server, company):
    people, _ = company
    lead = await login(server.graphql_url, people["lead"], PASSWORD)
    figures = (await lead.data(DASHBOARD, days=3))["adminDashboard"]
    assert figures["members"] == 2  # lead and ann (department A)
    today = figures["days"][-1]
    assert today["received"] == 1  # ann's mail; ben's two are in department B
    assert today["failedLogins"] == 0  # ben's failed login is outside the scope


async def test_members_and_other_enterprises_are_refused(server, company):
    people, _ = company
    ann = await login(server.graphql_url, people["ann"], PASSWORD)
    body = await ann.execute(DASHBOARD, days=7)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    eve = await login(server.graphql_url, people["eve"], PASSWORD)
    other = (await eve.data(DASHBOARD, days=1))["adminDashboard"]
    assert other["members"] == 1
    assert other["days"][-1]["received"] == 0
    assert other["days"][-1]["failedLogins"] == 0


async def test_days_are_bounded(server, company):
    _, boss = company
    assert len((await boss.data(DASHBOARD, days=0))["adminDashboard"]["days"]) == 1
    assert len((await boss.data(DASHBOARD, days=10_000))["adminDashboard"]["days"]) == 90
