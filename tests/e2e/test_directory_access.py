"""Who may administer the directory: plain members, another enterprise's admin and a scoped
admin acting outside its departments are all refused; a scoped admin works inside them."""

from __future__ import annotations

from typing import Any

from tests.e2e.client import GraphQLClient, login
from tests.e2e.server import PASSWORD
from tests.e2e.test_directory import (
    ADMIN_MEMBERS,
    CREATE_DEPARTMENT,
    CREATE_MEMBER,
    DELETE_DEPARTMENT,
    DEPARTMENTS,
    MEMBER,
    UPDATE_DEPARTMENT,
    UPDATE_MEMBER,
    as_admin,
    create_department,
    create_member,
    emails,
    uid,
)
from tests.e2e.test_directory_import import upload
from tests.e2e.test_directory_members import ADD_ALIAS, DELETE, DISABLE, RESET

GRANT = """
mutation G($email: String!, $perms: [String!], $deps: [ID!]) {
  grantAdmin(email: $email, isSuper: false, permissions: $perms, departmentIds: $deps) {
    __typename ... on AdminError { code message }
  }
}
"""


async def _company(server) -> dict[str, Any]:
    """Sales (with Sales/East) managed by a scoped admin; Ops outside their scope."""
    admin = await as_admin(server)
    tag = uid()
    sales = await create_department(admin, f"Sales {tag}")
    east = await create_department(admin, "East", sales["id"])
    ops = await create_department(admin, f"Ops {tag}")
    inside = await create_member(admin, email=f"in-{tag}@example.com", departmentIds=[east["id"]])
    outside = await create_member(admin, email=f"out-{tag}@example.com", departmentIds=[ops["id"]])
    manager = await create_member(
        admin, email=f"mgr-{tag}@example.com", departmentIds=[sales["id"]]
    )
    granted = await admin.data(
        GRANT, email=manager["email"], perms=["members", "departments"], deps=[sales["id"]]
    )
    assert granted["grantAdmin"]["__typename"] == "AdminRoleType", granted
    return {
        "tag": tag,
        "sales": sales,
        "east": east,
        "ops": ops,
        "inside": inside,
        "outside": outside,
        "manager": await login(server.graphql_url, manager["email"], PASSWORD),
    }


def refused(result: dict[str, Any], what: str) -> None:
    assert result["__typename"] == "AdminError" and result["code"] == "FORBIDDEN", (what, result)


async def _mutations(client: GraphQLClient, c: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every directory change aimed outside the scoped admin's departments."""
    out = c["outside"]["email"]
    ops, sales, east = c["ops"]["id"], c["sales"]["id"], c["east"]["id"]
    new = f"new-{uid()}@example.com"
    calls = {
        "create under Ops": (CREATE_DEPARTMENT, {"name": "x", "parent": ops}, "createDepartment"),
        "create at the root": (CREATE_DEPARTMENT, {"name": "x"}, "createDepartment"),
        "rename Ops": (UPDATE_DEPARTMENT, {"id": ops, "name": "y"}, "updateDepartment"),
        "move East to Ops": (UPDATE_DEPARTMENT, {"id": east, "parent": ops}, "updateDepartment"),
        "move Ops to Sales": (UPDATE_DEPARTMENT, {"id": ops, "parent": sales}, "updateDepartment"),
        "delete Ops": (DELETE_DEPARTMENT, {"id": ops}, "deleteDepartment"),
        "update outsider": (UPDATE_MEMBER, {"email": out, "input": {"name": "z"}}, "updateMember"),
        "disable outsider": (DISABLE, {"email": out}, "disableMember"),
        "delete outsider": (DELETE, {"email": out}, "deleteMember"),
        "reset outsider": (RESET, {"email": out, "password": "12345678x"}, "resetMemberPassword"),
        "alias outsider": (
            ADD_ALIAS,
            {"email": out, "alias": f"a-{uid()}@example.com"},
            "addMemberAlias",
        ),
        "create in Ops": (
            CREATE_MEMBER,
            {"input": {"email": new, "password": PASSWORD, "departmentIds": [ops]}},
            "createMember",
        ),
        "create in root": (
            CREATE_MEMBER,
            {"input": {"email": new, "password": PASSWORD}},
            "createMember",
        ),
        "move insider to Ops": (
            UPDATE_MEMBER,
            {"email": c["inside"]["email"], "input": {"departmentIds": [ops]}},
            "updateMember",
        ),
    }
    results = {}
    for what, (query, variables, key) in calls.items():
        body = await client.execute(query, **variables)
        results[what] = (body.get("data") or {}).get(key) or {
            "__typename": "error",
            "code": body["errors"][0]["extensions"]["code"],
        }
    return results


async def test_a_scoped_admin_is_refused_outside_its_departments(server):
    c = await _company(server)
    for what, result in (await _mutations(c["manager"], c)).items():
        if result["__typename"] == "error":
            assert result["code"] == "FORBIDDEN", what
        else:
            refused(result, what)
    manager = c["manager"]
    listed = (await manager.data(ADMIN_MEMBERS))["members"]
    assert c["inside"]["email"] in emails(listed)
    assert c["outside"]["email"] not in emails(listed)
    assert "bob@example.com" not in emails(listed)
    body = await manager.execute(ADMIN_MEMBERS, dep=c["ops"]["id"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await manager.execute(MEMBER, email=c["outside"]["email"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    tree = [d["id"] for d in (await manager.data(DEPARTMENTS))["adminDepartments"]]
    assert tree[:2] == [c["sales"]["id"], c["east"]["id"]] and c["ops"]["id"] not in tree
    # an import row outside the scope fails alone
    report = await upload(
        manager,
        "scoped.csv",
        (
            "email,name,password,department\n"
            f"imp1-{c['tag']}@example.com,In,{PASSWORD},Sales {c['tag']}/West\n"
            f"imp2-{c['tag']}@example.com,Out,{PASSWORD},Ops {c['tag']}\n"
            f"imp3-{c['tag']}@example.com,Root,{PASSWORD},\n"
        ).encode(),
    )
    statuses = [(r["status"], r["code"]) for r in report["rows"]]
    assert statuses == [("CREATED", None), ("ERROR", "FORBIDDEN"), ("ERROR", "FORBIDDEN")]
    # nothing outside changed
    admin = await as_admin(server)
    outsider = (await admin.data(MEMBER, email=c["outside"]["email"]))["member"]
    assert outsider["enabled"] and outsider["deletedAt"] is None and outsider["aliases"] == []
    ops = next(
        d for d in (await admin.data(DEPARTMENTS))["adminDepartments"] if d["id"] == c["ops"]["id"]
    )
    assert ops["name"] == f"Ops {c['tag']}" and ops["depth"] == 1


async def test_a_scoped_admin_works_inside_its_departments(server):
    c = await _company(server)
    manager = c["manager"]
    sub = await create_department(manager, "Team", c["east"]["id"])
    renamed = (await manager.data(UPDATE_DEPARTMENT, id=sub["id"], name="Team 2"))[
        "updateDepartment"
    ]
    assert renamed["name"] == "Team 2"
    member = await create_member(
        manager, email=f"scoped-{c['tag']}@example.com", departmentIds=[sub["id"]]
    )
    assert [d["path"] for d in member["departments"]] == [f"Sales {c['tag']}/East/Team 2"]
    changed = (
        await manager.data(
            UPDATE_MEMBER,
            email=c["inside"]["email"],
            input={"position": "Lead", "departmentIds": [sub["id"]]},
        )
    )["updateMember"]
    assert changed["position"] == "Lead"
    # a member in Sales and Ops: the manager moves them within Sales, Ops membership stays
    admin = await as_admin(server)
    both = await create_member(
        admin, email=f"both-{c['tag']}@example.com", departmentIds=[c["east"]["id"], c["ops"]["id"]]
    )
    moved = (
        await manager.data(UPDATE_MEMBER, email=both["email"], input={"departmentIds": [sub["id"]]})
    )["updateMember"]
    assert sorted(d["id"] for d in moved["departments"]) == sorted([sub["id"], c["ops"]["id"]])


async def test_plain_members_and_other_enterprises_are_refused(server):
    c = await _company(server)
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    for what, result in (await _mutations(bob, c)).items():
        assert result == {"__typename": "error", "code": "FORBIDDEN"}, what
    for query in (ADMIN_MEMBERS, DEPARTMENTS):
        assert (await bob.execute(query))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    for what, result in (await _mutations(oscar, c)).items():
        if what in ("create at the root",):
            continue  # oscar may create departments in his own enterprise
        if result["__typename"] == "error":
            assert result["code"] == "FORBIDDEN", what
        else:
            refused(result, what)
    create_bob = (
        await oscar.data(UPDATE_MEMBER, email="bob@example.com", input={"name": "Hacked"})
    )["updateMember"]
    refused(create_bob, "update bob")
    body = await oscar.execute(MEMBER, email="bob@example.com")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    listed = emails((await oscar.data(ADMIN_MEMBERS, first=200))["members"])
    assert listed and all(e.endswith("@other.org") for e in listed)
    olga_alias = (
        await oscar.data(ADD_ALIAS, email="olga@other.org", alias=f"o-{uid()}@example.com")
    )["addMemberAlias"]
    refused(olga_alias, "alias in another enterprise's domain")
    tree = [d["path"] for d in (await oscar.data(DEPARTMENTS))["adminDepartments"]]
    assert f"Sales {c['tag']}" not in tree
    admin = await as_admin(server)
    assert (await admin.data(MEMBER, email="bob@example.com"))["member"]["name"] == "Bob"
