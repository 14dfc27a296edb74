"""The open API's directory endpoints: departments, members and groups, with Exmail's field
names and errcodes, and the same operations over GraphQL with a directory app's token."""

from __future__ import annotations

import pytest

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_openapi import OpenApi, app_api

ADMIN_DEPARTMENTS = "{ adminDepartments { id name parentId } }"
CREATE_DEPARTMENT = """
mutation Create($name: String!) {
  createDepartment(name: $name) {
    __typename ... on AdminDepartment { id name } ... on AdminError { code }
  }
}
"""
MEMBER = "query M($email: String!) { member(email: $email) { email name } }"


def name(prefix: str) -> str:
    return unique(prefix).replace(" ", "-")


@pytest.fixture
async def api(server) -> OpenApi:
    return await app_api(server, "directory")


async def test_department_round_trip_with_exmail_ids_and_errcodes(api):
    parent_name, child_name = name("研发"), name("后端")

    created = await api.post("department/create", {"name": parent_name, "parentid": 1, "order": 5})
    assert created["errcode"] == 0 and created["errmsg"] == "created"
    parent = created["id"]
    child = (await api.post("department/create", {"name": child_name, "parentid": parent}))["id"]
    assert parent > 1 and child > 1 and parent != child

    listed = (await api.get("department/list", id=parent))["department"]
    assert [(d["id"], d["name"], d["parentid"], d["order"]) for d in listed] == [
        (parent, parent_name, 1, 5),
        (child, child_name, parent, 0),
    ]
    whole = (await api.get("department/list"))["department"]
    assert whole[0]["id"] == 1 and whole[0]["parentid"] == 0
    assert {parent, child} <= {d["id"] for d in whole}

    found = await api.post("department/search", {"name": child_name[:8], "fuzzy": 1})
    assert [d["id"] for d in found["department"]] == [child]
    assert found["department"][0]["path"].endswith(f"{parent_name}/{child_name}")
    exact = await api.post("department/search", {"name": child_name[:8], "fuzzy": 0})
    assert exact["department"] == []

    renamed = name("研发中心")
    updated = await api.post("department/update", {"id": parent, "name": renamed, "order": 2})
    assert updated == {"errcode": 0, "errmsg": "updated"}
    assert (await api.get("department/list", id=parent))["department"][0]["name"] == renamed

    twin = await api.post("department/create", {"name": child_name, "parentid": parent})
    assert twin["errcode"] == 60008
    orphan = await api.post("department/create", {"name": name("x"), "parentid": 999})
    assert orphan["errcode"] == 60004
    assert (await api.get("department/delete", id=parent))["errcode"] == 60006
    assert (await api.get("department/delete", id=1))["errcode"] == 60007
    assert (await api.get("department/delete", id=999))["errcode"] == 60003
    assert (await api.get("department/list", id=999))["errcode"] == 60003
    assert (await api.post("department/update", {"id": 999, "name": "x"}))["errcode"] == 60003
    moved_under_itself = await api.post("department/update", {"id": parent, "parentid": child})
    assert moved_under_itself["errcode"] == 40058

    member = f"{name('dept-member')}@example.com"
    made = await api.post(
        "user/create",
        {"userid": member, "name": "Dept Member", "department": [child], "password": PASSWORD},
    )
    assert made["errcode"] == 0, made
    assert (await api.get("department/delete", id=child))["errcode"] == 60005
    moved = await api.post("user/update", {"userid": member, "department": [1]})
    assert moved["errcode"] == 0
    assert (await api.get("department/delete", id=child)) == {"errcode": 0, "errmsg": "deleted"}
    assert (await api.get("user/delete", userid=member))["errcode"] == 0
    assert (await api.get("department/delete", id=parent))["errcode"] == 0
    assert parent not in {d["id"] for d in (await api.get("department/list"))["department"]}


async def test_member_round_trip_with_exmail_fields(server, api):
    department = (await api.post("department/create", {"name": name("销售"), "parentid": 1}))["id"]
    userid = f"{name('zhang')}@example.com"
    slave = f"{name('zs')}@example.net"

    created = await api.post(
        "user/create",
        {
            "userid": userid,
            "name": "张三",
            "department": [department],
            "position": "工程师",
            "mobile": "13800000000",
            "tel": "010-1234567",
            "extid": "E-100",
            "gender": "1",
            "slaves": [slave],
            "password": PASSWORD,
            "cpwd_login": 1,
        },
    )
    assert created == {"errcode": 0, "errmsg": "created"}

    got = await api.get("user/get", userid=userid)
    assert got["errcode"] == 0
    assert {k: got[k] for k in got if k not in ("errcode", "errmsg")} == {
        "userid": userid,
        "name": "张三",
        "department": [department],
        "position": "工程师",
        "mobile": "13800000000",
        "tel": "010-1234567",
        "extid": "E-100",
        "gender": "1",
        "slaves": [slave],
        "enable": 1,
        "cpwd_login": 1,
    }
    assert (await api.get("user/get", userid=slave))["userid"] == userid, "an alias finds it"
    again = await api.post("user/create", {"userid": userid, "name": "x", "password": PASSWORD})
    assert again["errcode"] == 60102
    taken_slave = await api.post(
        "user/create",
        {
            "userid": f"{name('li')}@example.com",
            "name": "x",
            "password": PASSWORD,
            "slaves": [slave],
        },
    )
    assert taken_slave["errcode"] == 60102
    foreign = await api.post(
        "user/create", {"userid": f"{name('x')}@other.org", "name": "x", "password": PASSWORD}
    )
    assert foreign["errcode"] == 40003
    no_department = await api.post(
        "user/create",
        {
            "userid": f"{name('y')}@example.com",
            "name": "y",
            "password": PASSWORD,
            "department": [999],
        },
    )
    assert no_department["errcode"] == 60003

    checked = await api.post(
        "user/batchcheck",
        {"userlist": [userid, slave, f"{name('free')}@example.com", "olga@other.org", "bad"]},
    )
    assert [c["type"] for c in checked["list"]] == [1, 2, 0, -1, -1]

    new_slave = f"{name('san')}@example.com"
    updated = await api.post(
        "user/update",
        {"userid": userid, "name": "张三丰", "slaves": [new_slave], "enable": 0, "gender": 2},
    )
    assert updated == {"errcode": 0, "errmsg": "updated"}
    got = await api.get("user/get", userid=userid)
    assert (got["name"], got["slaves"], got["enable"], got["gender"]) == (
        "张三丰",
        [new_slave],
        0,
        "2",
    )
    assert (await api.get("user/get", userid=slave))["errcode"] == 60111, "old alias removed"

    simple = await api.get("user/simplelist", department_id=department)
    assert simple["userlist"] == [{"userid": userid, "name": "张三丰", "department": [department]}]
    from_root = await api.get("user/list", department_id=1, fetch_child=1)
    mine = [u for u in from_root["userlist"] if u["userid"] == userid]
    assert mine and mine[0]["slaves"] == [new_slave] and mine[0]["position"] == "工程师"
    only_root = await api.get("user/simplelist", department_id=1, fetch_child=0)
    assert userid not in {u["userid"] for u in only_root["userlist"]}
    assert "alice@example.com" in {u["userid"] for u in only_root["userlist"]}

    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    assert (await admin.data(MEMBER, email=userid))["member"]["name"] == "张三丰"

    assert (await api.get("user/delete", userid=userid)) == {"errcode": 0, "errmsg": "deleted"}
    assert (await api.get("user/get", userid=userid))["errcode"] == 60111
    assert (await api.get("user/delete", userid=userid))["errcode"] == 60111
    assert (await api.get("user/get", userid="olga@other.org"))["errcode"] == 60111
    assert (await api.get("user/get", userid="not-an-address"))["errcode"] == 40003
    await api.get("department/delete", id=department)


async def test_group_round_trip_with_exmail_fields(api):
    department = (await api.post("department/create", {"name": name("组部门"), "parentid": 1}))[
        "id"
    ]
    inner = f"{name('inner')}@example.com"
    groupid = f"{name('team')}@example.com"
    made_inner = await api.post(
        "group/create", {"groupid": inner, "groupname": "Inner", "userlist": ["bob@example.com"]}
    )
    assert made_inner["errcode"] == 0, made_inner

    created = await api.post(
        "group/create",
        {
            "groupid": groupid,
            "groupname": "团队",
            "userlist": ["alice@example.com", "bob@example.com"],
            "grouplist": [inner],
            "department": [department],
            "allow_type": 3,
            "allow_userlist": ["alice@example.com"],
        },
    )
    assert created == {"errcode": 0, "errmsg": "created"}
    got = await api.get("group/get", groupid=groupid)
    assert {k: got[k] for k in got if k not in ("errcode", "errmsg")} == {
        "groupid": groupid,
        "groupname": "团队",
        "userlist": ["alice@example.com", "bob@example.com"],
        "grouplist": [inner],
        "department": [department],
        "allow_type": 3,
        "allow_userlist": ["alice@example.com"],
    }

    updated = await api.post(
        "group/update", {"groupid": groupid, "userlist": ["bob@example.com"], "allow_type": 0}
    )
    assert updated == {"errcode": 0, "errmsg": "updated"}
    got = await api.get("group/get", groupid=groupid)
    assert (got["userlist"], got["allow_type"], got["grouplist"]) == (
        ["bob@example.com"],
        0,
        [inner],
    )

    taken = await api.post("group/create", {"groupid": groupid, "groupname": "again"})
    assert taken["errcode"] == 60102
    member_address = await api.post(
        "group/create", {"groupid": "alice@example.com", "groupname": "x"}
    )
    assert member_address["errcode"] == 60102
    nobody = await api.post(
        "group/create",
        {
            "groupid": f"{name('g')}@example.com",
            "groupname": "g",
            "userlist": ["nobody@example.com"],
        },
    )
    assert nobody["errcode"] == 60111
    bad_type = await api.post(
        "group/create", {"groupid": f"{name('g')}@example.com", "groupname": "g", "allow_type": 7}
    )
    assert bad_type["errcode"] == 40058
    assert (await api.get("group/get", groupid=f"{name('none')}@example.com"))["errcode"] == 60111

    assert (await api.get("group/delete", groupid=groupid)) == {"errcode": 0, "errmsg": "deleted"}
    assert (await api.get("group/get", groupid=groupid))["errcode"] == 60111
    assert (await api.get("group/delete", groupid=inner))["errcode"] == 0
    assert (await api.get("department/delete", id=department))["errcode"] == 0


async def test_a_directory_token_administers_the_directory_over_graphql(server, api):
    as_app = GraphQLClient(server.graphql_url, api.token)
    department = name("图谱")

    created = (await as_app.data(CREATE_DEPARTMENT, name=department))["createDepartment"]

    assert created["__typename"] == "AdminDepartment"
    names = {d["name"] for d in (await as_app.data(ADMIN_DEPARTMENTS))["adminDepartments"]}
    assert department in names
    rest = (await api.post("department/search", {"name": department, "fuzzy": 0}))["department"]
    assert len(rest) == 1 and rest[0]["parentid"] == 1
    assert (await as_app.data(MEMBER, email="alice@example.com"))["member"]["name"] == "Alice 王"

    settings_app = await app_api(server, "settings")
    refused = await GraphQLClient(server.graphql_url, settings_app.token).execute(
        CREATE_DEPARTMENT, name=name("nope")
    )
    assert refused["data"]["createDepartment"] == {"__typename": "AdminError", "code": "FORBIDDEN"}
    assert (await api.get("department/delete", id=rest[0]["id"]))["errcode"] == 0
