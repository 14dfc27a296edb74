"""Admin rank: nobody administers an administrator with rights they do not hold themselves.

Finding 1 of issue 13: a department admin with the ``members`` permission reset the password
of a super administrator in their department, signed in as them and made itself super.
The super administrators here are created for these tests (``admin@example.com`` is shared
by the whole session and must keep its password whatever happens).
"""

from __future__ import annotations

import httpx

from mailcore.core.models import AdminPermission
from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_openapi import app_api

ALL_PERMISSIONS = [p.value for p in AdminPermission]  # every permission there is
CREATE_DEPARTMENT = """
mutation D($name: String!, $parent: ID) {
  createDepartment(name: $name, parentId: $parent, order: 0, hidden: false) {
    __typename ... on AdminDepartment { id } ... on AdminError { code message }
  }
}
"""
CREATE_MEMBER = """
mutation C($input: CreateMemberInput!) {
  createMember(input: $input) { __typename ... on AdminError { code message } }
}
"""
GRANT = """
mutation G($email: String!, $super: Boolean!, $perms: [String!], $deps: [ID!]) {
  grantAdmin(email: $email, isSuper: $super, permissions: $perms, departmentIds: $deps) {
    __typename ... on AdminError { code message }
  }
}
"""
RESET = """
mutation R($email: String!, $password: String!) {
  resetMemberPassword(email: $email, password: $password, mustChange: false) {
    __typename ... on AdminMember { email } ... on AdminError { code message }
  }
}
"""
DISABLE = """
mutation D($email: String!) {
  disableMember(email: $email) {
    __typename ... on AdminMember { enabled } ... on AdminError { code message }
  }
}
"""
NEW_PASSWORD = "taken-over-7"


async def department(admin: GraphQLClient, name: str, parent: str | None = None) -> str:
    created = (await admin.data(CREATE_DEPARTMENT, name=unique(name), parent=parent))[
        "createDepartment"
    ]
    assert created["__typename"] == "AdminDepartment", created
    return created["id"]


async def member(admin: GraphQLClient, prefix: str, departments: list[str]) -> str:
    email = f"{unique(prefix).replace(' ', '-')}@example.com"
    given = {"email": email, "password": PASSWORD, "departmentIds": departments}
    created = (await admin.data(CREATE_MEMBER, input=given))["createMember"]
    assert created["__typename"] == "AdminMember", created
    return email


async def appoint(
    admin: GraphQLClient, email: str, perms: list[str] | None = None, deps: list[str] | None = None
) -> None:
    granted = (
        await admin.data(GRANT, email=email, super=perms is None, perms=perms or [], deps=deps)
    )["grantAdmin"]
    assert granted["__typename"] == "AdminRoleType", granted


async def can_log_in(server, email: str, password: str = PASSWORD) -> bool:
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(
            server.graphql_url,
            json={
                "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) "
                "{ __typename } }",
                "variables": {"e": email, "p": password},
            },
        )
    return answer.json()["data"]["login"]["__typename"] == "LoginSuccess"


async def test_a_department_admin_cannot_take_over_a_super_admin_of_its_department(server):
    # given a super admin and a department admin with every permission, in one department
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    sales = await department(admin, "rank sales")
    chief = await member(admin, "chief", [sales])
    await appoint(admin, chief)
    scoped = await member(admin, "deptadmin", [sales])
    await appoint(admin, scoped, ALL_PERMISSIONS, [sales])
    deputy = await login(server.graphql_url, scoped, PASSWORD)

    # when it resets the super admin's password or disables them
    reset = (await deputy.data(RESET, email=chief, password=NEW_PASSWORD))["resetMemberPassword"]
    disabled = (await deputy.data(DISABLE, email=chief))["disableMember"]

    # then both are refused and the super admin signs in as before
    assert reset["__typename"] == "AdminError" and reset["code"] == "FORBIDDEN", reset
    assert disabled["__typename"] == "AdminError" and disabled["code"] == "FORBIDDEN", disabled
    assert await can_log_in(server, chief)
    assert not await can_log_in(server, chief, NEW_PASSWORD)


async def test_a_scoped_admin_administers_only_admins_of_lower_rank(server):
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    sales = await department(admin, "rank sales")
    east = await department(admin, "rank east", sales)
    # wide: members+security over sales (and east below it); narrow: members over east only;
    # richer: members+security over east only (more permissions than narrow)
    wide = await member(admin, "wide", [east])
    await appoint(admin, wide, ["members", "security"], [sales])
    narrow = await member(admin, "narrow", [east])
    await appoint(admin, narrow, ["members"], [east])
    richer = await member(admin, "richer", [east])
    await appoint(admin, richer, ["members", "security"], [east])
    clerk = await member(admin, "clerk", [east])
    as_narrow = await login(server.graphql_url, narrow, PASSWORD)
    as_wide = await login(server.graphql_url, wide, PASSWORD)

    # more permissions than the actor: refused
    refused = await as_narrow.data(RESET, email=richer, password=NEW_PASSWORD)
    assert refused["resetMemberPassword"]["code"] == "FORBIDDEN"
    # departments beyond the actor's (sales holds east): refused, though wide is in east
    refused = (await as_narrow.data(DISABLE, email=wide))["disableMember"]
    assert refused["code"] == "FORBIDDEN"
    assert await can_log_in(server, richer) and await can_log_in(server, wide)

    # lower or equal rank inside the actor's scope, or no admin at all: allowed
    done = await as_narrow.data(RESET, email=clerk, password=NEW_PASSWORD)
    assert done["resetMemberPassword"]["__typename"] == "AdminMember"
    done = await as_wide.data(RESET, email=richer, password=NEW_PASSWORD)
    assert done["resetMemberPassword"]["__typename"] == "AdminMember"
    done = await as_wide.data(RESET, email=narrow, password=NEW_PASSWORD)
    assert done["resetMemberPassword"] == {"__typename": "AdminMember", "email": narrow}
    assert await can_log_in(server, narrow, NEW_PASSWORD)
    # a super admin administers another super admin
    chief = await member(admin, "chief", [sales])
    await appoint(admin, chief)
    done = (await admin.data(RESET, email=chief, password=NEW_PASSWORD))["resetMemberPassword"]
    assert done["__typename"] == "AdminMember"


async def test_open_api_apps_do_not_administer_or_sign_in_as_administrators(server):
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    sales = await department(admin, "rank sales")
    chief = await member(admin, "chief", [sales])
    await appoint(admin, chief)
    scoped = await member(admin, "deptadmin", [sales])
    await appoint(admin, scoped, ["logs"], [sales])
    plain = await member(admin, "plain", [sales])

    sso = await app_api(server, "sso")
    for target in (chief, scoped):
        answer = await sso.get("service/get_login_url", userid=target)
        assert answer["errcode"] == 48002 and "login_url" not in answer, answer
    assert (await sso.get("service/get_login_url", userid=plain))["errcode"] == 0

    directory = await app_api(server, "directory")
    for target in (chief, scoped):
        answer = await directory.post("user/update", {"userid": target, "password": "Xx-99999"})
        assert answer["errcode"] == 48002, answer
        assert (await directory.get("user/delete", userid=target))["errcode"] == 48002
    as_app = GraphQLClient(server.graphql_url, directory.token)
    refused = (await as_app.data(RESET, email=chief, password=NEW_PASSWORD))["resetMemberPassword"]
    assert refused["code"] == "FORBIDDEN"
    assert await can_log_in(server, chief) and await can_log_in(server, scoped)
    answer = await directory.post("user/update", {"userid": plain, "password": "Xx-99999"})
    assert answer["errcode"] == 0, answer
