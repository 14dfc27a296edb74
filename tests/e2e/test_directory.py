"""The enterprise directory: the department tree (admin), and what members see and search.

The GraphQL operations and small helpers here are shared by the other test_directory_*
modules (members, import, access).
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.client import GraphQLClient, login
from tests.e2e.server import PASSWORD

DEPARTMENTS = """
{ adminDepartments { id parentId name order hidden depth path memberCount } }
"""
CREATE_DEPARTMENT = """
mutation C($name: String!, $parent: ID, $order: Int! = 0, $hidden: Boolean! = false) {
  createDepartment(name: $name, parentId: $parent, order: $order, hidden: $hidden) {
    __typename
    ... on AdminDepartment { id parentId name order hidden depth path }
    ... on AdminError { code field message }
  }
}
"""
UPDATE_DEPARTMENT = """
mutation U($id: ID!, $name: String, $parent: ID, $order: Int, $hidden: Boolean) {
  updateDepartment(id: $id, name: $name, parentId: $parent, order: $order, hidden: $hidden) {
    __typename
    ... on AdminDepartment { id parentId name order hidden path }
    ... on AdminError { code field message }
  }
}
"""
DELETE_DEPARTMENT = """
mutation D($id: ID!) {
  deleteDepartment(id: $id) { __typename ... on AdminError { code field message } }
}
"""
MEMBER_FIELDS = """
  id email name position mobile tel extid gender hidden vip quota quotaBytes used enabled
  mustChangePassword deletedAt restorableUntil aliases departments { id name path }
"""


def member_result(operation: str, call: str) -> str:
    """A mutation answering the member (AdminMember fields) or an AdminError."""
    return (
        f"mutation M({operation}) {{ {call} {{ __typename "
        f"... on AdminMember {{ {MEMBER_FIELDS} }} "
        "... on AdminError { code field message } } }"
    )


CREATE_MEMBER = member_result("$input: CreateMemberInput!", "createMember(input: $input)")
UPDATE_MEMBER = member_result(
    "$email: String!, $input: UpdateMemberInput!", "updateMember(email: $email, input: $input)"
)
MEMBER = f"query M($email: String!) {{ member(email: $email) {{ {MEMBER_FIELDS} }} }}"
DIRECTORY_DEPARTMENTS = "{ directoryDepartments { id parentId name depth path } }"
DIRECTORY = """
query D($dep: ID, $q: String, $recursive: Boolean! = false, $first: Int, $after: String) {
  directory(departmentId: $dep, query: $q, recursive: $recursive, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { email name position mobile tel departments { id name path } } }
  }
}
"""
CONTACT = "query C($email: String!) { contact(email: $email) { email name } }"
ADMIN_MEMBERS = """
query L($dep: ID, $q: String, $recursive: Boolean! = false, $deleted: Boolean! = false,
        $first: Int, $after: String) {
  members(departmentId: $dep, query: $q, recursive: $recursive, deleted: $deleted,
          first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { email name used quota vip enabled hidden departments { name } } }
  }
}
"""


def uid() -> str:
    return uuid.uuid4().hex[:8]


async def as_admin(server) -> GraphQLClient:
    return await login(server.graphql_url, "admin@example.com", PASSWORD)


async def create_department(
    client: GraphQLClient, name: str, parent: str | None = None, **extra: Any
) -> dict[str, Any]:
    result = (await client.data(CREATE_DEPARTMENT, name=name, parent=parent, **extra))[
        "createDepartment"
    ]
    assert result["__typename"] == "AdminDepartment", result
    return result


async def create_member(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    fields.setdefault("password", PASSWORD)
    result = (await client.data(CREATE_MEMBER, input=fields))["createMember"]
    assert result["__typename"] == "AdminMember", result
    return result


def emails(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["email"] for edge in connection["edges"]]


# --- the department tree ---------------------------------------------------------------


async def test_admin_builds_orders_renames_and_moves_departments(server):
    admin = await as_admin(server)
    top = await create_department(admin, f"研发部 {uid()}")
    assert top["depth"] == 1 and top["path"] == top["name"]
    # given three children, two with explicit order
    late = await create_department(admin, "Zeta", top["id"], order=2)
    early = await create_department(admin, "beta", top["id"], order=1)
    same = await create_department(admin, "Alpha", top["id"], order=1)
    # then siblings are listed by order, then name
    listed = (await admin.data(DEPARTMENTS))["adminDepartments"]
    children = [d["name"] for d in listed if d["parentId"] == top["id"]]
    assert children == ["Alpha", "beta", "Zeta"]
    # when one is reordered and renamed
    renamed = (await admin.data(UPDATE_DEPARTMENT, id=late["id"], name="Aardvark", order=0))[
        "updateDepartment"
    ]
    assert renamed["name"] == "Aardvark" and renamed["order"] == 0
    listed = (await admin.data(DEPARTMENTS))["adminDepartments"]
    assert [d["name"] for d in listed if d["parentId"] == top["id"]] == [
        "Aardvark",
        "Alpha",
        "beta",
    ]
    # and one moves under another
    moved = (await admin.data(UPDATE_DEPARTMENT, id=early["id"], parent=same["id"]))[
        "updateDepartment"
    ]
    assert moved["parentId"] == same["id"]
    assert moved["path"] == f"{top['name']}/Alpha/beta"
    # a parent listed before its children (depth-first)
    ids = [d["id"] for d in (await admin.data(DEPARTMENTS))["adminDepartments"]]
    assert ids.index(top["id"]) < ids.index(same["id"]) < ids.index(early["id"])


async def test_department_names_are_checked(server):
    admin = await as_admin(server)
    top = await create_department(admin, f"Names {uid()}")
    await create_department(admin, "Sales", top["id"])
    cases = [
        ("sALES", "ALREADY_EXISTS"),
        ("", "INVALID"),
        ("   ", "INVALID"),
        ("a/b", "INVALID"),
        ("what?", "INVALID"),
        ('say "hi"', "INVALID"),
        ("tab\there", "INVALID"),
        ("x" * 65, "INVALID"),
    ]
    for name, code in cases:
        result = (await admin.data(CREATE_DEPARTMENT, name=name, parent=top["id"]))[
            "createDepartment"
        ]
        assert (result["__typename"], result["code"], result["field"]) == (
            "AdminError",
            code,
            "name",
        ), name
    # 64 characters is fine, and the same name elsewhere in the tree too
    await create_department(admin, "长" * 64, top["id"])
    await create_department(admin, "Sales")
    # renaming into a sibling's name is refused as well
    other = await create_department(admin, "Support", top["id"])
    clash = (await admin.data(UPDATE_DEPARTMENT, id=other["id"], name="SALES"))["updateDepartment"]
    assert clash["code"] == "ALREADY_EXISTS" and clash["field"] == "name"
    missing = (await admin.data(CREATE_DEPARTMENT, name="x", parent="987654321"))[
        "createDepartment"
    ]
    assert missing["code"] == "NOT_FOUND" and missing["field"] == "parentId"
    body = await admin.execute(CREATE_DEPARTMENT, name="x", parent="not-a-number")
    assert body["data"]["createDepartment"]["code"] == "NOT_FOUND"


async def test_moves_that_would_make_a_cycle_and_root_changes_are_refused(server):
    admin = await as_admin(server)
    top = await create_department(admin, f"Cycle {uid()}")
    child = await create_department(admin, "child", top["id"])
    grandchild = await create_department(admin, "grandchild", child["id"])
    for parent in (grandchild["id"], child["id"], top["id"]):
        refused = (await admin.data(UPDATE_DEPARTMENT, id=top["id"], parent=parent))[
            "updateDepartment"
        ]
        assert refused["code"] == "INVALID" and refused["field"] == "parentId", refused
    root = next(d for d in (await admin.data(DEPARTMENTS))["adminDepartments"] if d["depth"] == 0)
    moved = (await admin.data(UPDATE_DEPARTMENT, id=root["id"], parent=top["id"]))[
        "updateDepartment"
    ]
    assert moved["code"] == "INVALID" and moved["field"] == "parentId"
    deleted = (await admin.data(DELETE_DEPARTMENT, id=root["id"]))["deleteDepartment"]
    assert deleted["code"] == "INVALID" and deleted["field"] == "id"
    hidden = (await admin.data(UPDATE_DEPARTMENT, id=root["id"], hidden=True))["updateDepartment"]
    assert hidden["code"] == "INVALID" and hidden["field"] == "hidden"
    # nothing moved
    listed = {d["id"]: d for d in (await admin.data(DEPARTMENTS))["adminDepartments"]}
    assert listed[top["id"]]["parentId"] == root["id"]
    assert listed[grandchild["id"]]["path"] == f"{top['name']}/child/grandchild"


async def test_only_empty_departments_can_be_deleted(server):
    admin = await as_admin(server)
    top = await create_department(admin, f"Delete {uid()}")
    child = await create_department(admin, "child", top["id"])
    result = (await admin.data(DELETE_DEPARTMENT, id=top["id"]))["deleteDepartment"]
    assert result["code"] == "HAS_SUBDEPARTMENTS" and result["field"] == "id"
    member = await create_member(
        admin, email=f"del-{uid()}@example.com", name="Del", departmentIds=[child["id"]]
    )
    result = (await admin.data(DELETE_DEPARTMENT, id=child["id"]))["deleteDepartment"]
    assert result["code"] == "HAS_MEMBERS"
    listed = {d["id"]: d for d in (await admin.data(DEPARTMENTS))["adminDepartments"]}
    assert listed[child["id"]]["memberCount"] == 1
    # when the member moves out, the department can go, then its parent
    moved = (
        await admin.data(UPDATE_MEMBER, email=member["email"], input={"departmentIds": [top["id"]]})
    )["updateMember"]
    assert [d["id"] for d in moved["departments"]] == [top["id"]]
    assert (await admin.data(DELETE_DEPARTMENT, id=child["id"]))["deleteDepartment"] == {
        "__typename": "Done"
    }
    assert (await admin.data(DELETE_DEPARTMENT, id=top["id"]))["deleteDepartment"][
        "code"
    ] == "HAS_MEMBERS"
    ids = [d["id"] for d in (await admin.data(DEPARTMENTS))["adminDepartments"]]
    assert child["id"] not in ids and top["id"] in ids


# --- what members see -------------------------------------------------------------------


async def _people(server) -> dict[str, Any]:
    """A department with 张三, 李四 (hidden), 赵六 (also in a hidden sub-department) and
    王五 (only in the hidden sub-department)."""
    admin = await as_admin(server)
    tag = uid()
    team = await create_department(admin, f"市场部{tag}")
    secret = await create_department(admin, "保密组", team["id"], hidden=True)
    people = {}
    for key, name, departments, hidden in [
        ("zhang", "张三", [team["id"]], False),
        ("li", "李四", [team["id"]], True),
        ("wang", "王五", [secret["id"]], False),
        ("zhao", "赵六", [team["id"], secret["id"]], False),
    ]:
        people[key] = await create_member(
            admin,
            email=f"{key}-{tag}@example.com",
            name=name,
            position="经理",
            mobile="+86 138 0000 0000",
            departmentIds=departments,
            hidden=hidden,
        )
    return {"team": team, "secret": secret, "people": people, "tag": tag}


async def test_members_search_the_directory_by_pinyin_initials_name_and_department(server):
    given = await _people(server)
    team, people = given["team"], given["people"]
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)

    async def search(q: str, **more: Any) -> list[str]:
        found = await bob.data(DIRECTORY, dep=team["id"], recursive=True, q=q, **more)
        return emails(found["directory"])

    zhang = people["zhang"]["email"]
    assert await search("zs") == [zhang]
    assert await search("ZhangSan") == [zhang]
    assert await search("zhang san") == [zhang]
    assert await search("张") == [zhang]
    assert await search(f"zhang-{given['tag']}") == [zhang]
    # the whole enterprise (no department) finds the same person by address
    everywhere = await bob.data(DIRECTORY, q=zhang)
    assert emails(everywhere["directory"]) == [zhang]
    card = everywhere["directory"]["edges"][0]["node"]
    assert card["position"] == "经理" and card["mobile"] == "+86 138 0000 0000"
    assert [d["name"] for d in card["departments"]] == [team["name"]]
    # department name: the visible members of the department
    by_department = await bob.data(DIRECTORY, q=team["name"])
    assert sorted(emails(by_department["directory"])) == sorted([zhang, people["zhao"]["email"]])


async def test_hidden_members_and_departments_are_invisible_to_members_not_admins(server):
    given = await _people(server)
    team, secret, people = given["team"], given["secret"], given["people"]
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    admin = await as_admin(server)
    # members: only 张三 and 赵六, and 赵六's card does not name the hidden department
    seen = (await bob.data(DIRECTORY, dep=team["id"], recursive=True))["directory"]
    assert emails(seen) == [people["zhang"]["email"], people["zhao"]["email"]]
    assert seen["totalCount"] == 2
    zhao = seen["edges"][1]["node"]
    assert [d["name"] for d in zhao["departments"]] == [team["name"]]
    tree = [d["id"] for d in (await bob.data(DIRECTORY_DEPARTMENTS))["directoryDepartments"]]
    assert team["id"] in tree and secret["id"] not in tree
    assert (await bob.data(CONTACT, email=people["li"]["email"]))["contact"] is None
    assert (await bob.data(CONTACT, email=people["wang"]["email"]))["contact"] is None
    assert (await bob.data(CONTACT, email=people["zhang"]["email"]))["contact"]["name"] == "张三"
    assert emails((await bob.data(DIRECTORY, q="lisi"))["directory"]) == []
    body = await bob.execute(DIRECTORY, dep=secret["id"])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # admins: everyone, in pinyin order (li, wang, zhang, zhao), hidden departments too
    everyone = (await admin.data(DIRECTORY, dep=team["id"], recursive=True))["directory"]
    assert emails(everyone) == [people[k]["email"] for k in ("li", "wang", "zhang", "zhao")]
    tree = [d["id"] for d in (await admin.data(DIRECTORY_DEPARTMENTS))["directoryDepartments"]]
    assert secret["id"] in tree
    managed = (await admin.data(ADMIN_MEMBERS, dep=team["id"], recursive=True))["members"]
    assert managed["totalCount"] == 4
    hidden = {e["node"]["email"]: e["node"]["hidden"] for e in managed["edges"]}
    assert hidden[people["li"]["email"]] is True


async def test_directory_pages_with_cursors(server):
    given = await _people(server)
    admin = await as_admin(server)
    team = given["team"]["id"]
    first = (await admin.data(DIRECTORY, dep=team, recursive=True, first=3))["directory"]
    assert len(first["edges"]) == 3 and first["pageInfo"]["hasNextPage"] is True
    assert first["totalCount"] == 4
    rest = (
        await admin.data(
            DIRECTORY, dep=team, recursive=True, first=3, after=first["pageInfo"]["endCursor"]
        )
    )["directory"]
    assert len(rest["edges"]) == 1 and rest["pageInfo"]["hasNextPage"] is False
    assert set(emails(first)).isdisjoint(emails(rest))
    for bad in ({"first": 0}, {"first": 100000}, {"after": "bm90LWEtY3Vyc29y"}):
        body = await admin.execute(DIRECTORY, dep=team, **bad)
        assert body["errors"][0]["extensions"]["code"] == "INVALID", bad
    body = await admin.execute(DIRECTORY, q="x" * 65)
    assert body["errors"][0]["extensions"]["field"] == "query"


async def test_members_of_another_enterprise_never_appear(server):
    given = await _people(server)
    olga = await login(server.graphql_url, "olga@other.org", PASSWORD)
    found = (await olga.data(DIRECTORY, q="zs"))["directory"]
    assert given["people"]["zhang"]["email"] not in emails(found)
    assert all(e.endswith("@other.org") for e in emails((await olga.data(DIRECTORY))["directory"]))
    tree = [d["id"] for d in (await olga.data(DIRECTORY_DEPARTMENTS))["directoryDepartments"]]
    assert given["team"]["id"] not in tree
    assert (await olga.data(CONTACT, email=given["people"]["zhang"]["email"]))["contact"] is None
    body = await olga.execute(DIRECTORY, dep=given["team"]["id"])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert emails((await bob.data(DIRECTORY, q="olga"))["directory"]) == []
    body = await bob.execute(DIRECTORY)
    assert "errors" not in body or not body["errors"]
    anonymous = await GraphQLClient(server.graphql_url).execute(DIRECTORY)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
