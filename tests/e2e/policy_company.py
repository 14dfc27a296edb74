"""A company of its own for the enterprise-wide policy tests (archive, backup, approval):
a domain, its super administrator, departments and members made through the admin API."""

from __future__ import annotations

import asyncio
import inspect
import uuid

from tests.e2e.client import GraphQLClient, login
from tests.e2e.server import PASSWORD

NEW_DEPARTMENT = """
mutation D($name: String!, $parent: ID) {
  createDepartment(name: $name, parentId: $parent) {
    __typename ... on AdminDepartment { id } ... on AdminError { code message }
  }
}
"""
NEW_MEMBER = """
mutation M($i: CreateMemberInput!) {
  createMember(input: $i) { __typename ... on AdminError { code field message } }
}
"""
GRANT = """
mutation G($email: String!, $perms: [String!], $deps: [ID!]) {
  grantAdmin(email: $email, isSuper: false, permissions: $perms, departmentIds: $deps) {
    __typename ... on AdminError { code message }
  }
}
"""
INBOX = """
query F($folder: String!) {
  messages(folder: $folder, first: 100) {
    edges { node { id subject from { address } } }
  }
}
"""


def tag() -> str:
    return uuid.uuid4().hex[:8]


class Company:
    """An enterprise of its own (domain, super admin ``boss``), so enterprise-wide policies
    never touch example.com's members."""

    def __init__(self, server, domain: str, admin: GraphQLClient) -> None:
        self.server, self.domain, self.admin = server, domain, admin

    @classmethod
    async def create(cls, server, prefix: str) -> Company:
        domain = f"{prefix}-{tag()}.test"
        made = server.mailcore(  # what `qiyou domain add`, `user add`, `admin grant --super` do
            """
            from mailcore.admin.roles import grant
            from mailcore.admin.scope import system_scope
            from mailcore.org.service import add_domain, add_member
            await add_domain(args["domain"], None)
            boss = await add_member(
                f"boss@{args['domain']}", args["password"], name="Boss", quota=1 << 30
            )
            await grant(system_scope(boss.enterprise_id), boss, is_super=True)
            return boss.id
            """,
            domain=domain,
            password=PASSWORD,
        )
        if inspect.isawaitable(made):  # in process (tests/service)
            await made
        return cls(server, domain, await login(server.graphql_url, f"boss@{domain}", PASSWORD))

    async def department(self, name: str, parent: str | None = None) -> str:
        created = (await self.admin.data(NEW_DEPARTMENT, name=name, parent=parent))[
            "createDepartment"
        ]
        assert created["__typename"] == "AdminDepartment", created
        return created["id"]

    async def member(self, local: str, departments: list[str] | None = None) -> str:
        email = f"{local}@{self.domain}"
        fields = {"email": email, "password": PASSWORD, "name": local}
        if departments:
            fields["departmentIds"] = departments
        created = (await self.admin.data(NEW_MEMBER, i=fields))["createMember"]
        assert created["__typename"] == "AdminMember", created
        return email

    async def grant(self, email: str, permissions: list[str], departments: list[str]) -> None:
        granted = await self.admin.data(GRANT, email=email, perms=permissions, deps=departments)
        assert granted["grantAdmin"]["__typename"] == "AdminRoleType", granted

    async def client(self, email: str) -> GraphQLClient:
        return await login(self.server.graphql_url, email, PASSWORD)

    login = client


async def wait_for(client: GraphQLClient, subject: str, folder: str = "INBOX", wait: float = 10):
    """The message whose subject contains ``subject`` in ``folder`` (polling), or None."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        edges = (await client.data(INBOX, folder=folder))["messages"]["edges"]
        for edge in edges:
            if subject in edge["node"]["subject"]:
                return edge["node"]
        if asyncio.get_running_loop().time() > deadline:
            return None
        await asyncio.sleep(0.2)
