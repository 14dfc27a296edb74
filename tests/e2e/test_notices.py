"""Notices (U18, A12): posting to the company or departments, receipts for exactly the right
members, live push filtered by department, read flags and counts, who may post and delete."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.e2e.client import GraphQLClient, Subscription, login
from tests.e2e.mail import find
from tests.e2e.server import PASSWORD
from tests.e2e.test_groups import Directory

POSTED = "subscription { noticePosted { id title author { name address } createdAt } }"
SETTLE = 0.5  # the server subscribes to the bus right after `subscribe`; give it a moment
POST = """
mutation P($i: NoticeInput!) {
  postNotice(input: $i) {
    __typename
    ... on PostedNotice { recipients notice { id title body author { address } departmentIds } }
    ... on NoticeError { code field message }
  }
}
"""
NOTICES = """
query N($first: Int, $after: String, $unread: Boolean!) {
  notices(first: $first, after: $after, unreadOnly: $unread) {
    edges { cursor node { id title read body } }
    pageInfo { hasNextPage endCursor }
  }
  unreadNoticeCount
}
"""
MARK = """
mutation M($id: ID!, $read: Boolean!) {
  markNoticeRead(id: $id, read: $read) {
    __typename ... on Notice { id read } ... on NoticeError { code }
  }
}
"""
DELETE = """
mutation D($id: ID!) { deleteNotice(id: $id) { __typename ... on NoticeError { code } } }
"""
REPORTS = """
{ noticeReports(first: 50) { edges { node { recipients readCount notice { id title } } } } }
"""
SETTINGS = "{ noticeSettings { membersPostNotices mayPost } }"
SET_MEMBERS_POST = """
mutation S($on: Boolean!) {
  setMembersPostNotices(enabled: $on) {
    __typename
    ... on NoticeSettings { membersPostNotices }
    ... on AdminError { code }
  }
}
"""


def title(prefix: str = "notice") -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"


async def post(client: GraphQLClient, **fields) -> dict:
    return (await client.data(POST, i=fields))["postNotice"]


async def titles(client: GraphQLClient, unread: bool = False) -> dict[str, dict]:
    data = await client.data(NOTICES, first=100, unread=unread)
    return {e["node"]["title"]: e["node"] for e in data["notices"]["edges"]}


@pytest.fixture(scope="module")
async def org(server):
    """A department tree sales ⊃ sales-east, plus support; members in each, one disabled;
    hr-admin: a scoped admin of sales with the notices permission."""
    directory = await Directory.open(server)
    sales = await directory.department(title("sales"))
    east = await directory.department(title("east"), parent=sales)
    support = await directory.department(title("support"))
    people = {
        "seller": await directory.member("seller", [sales]),
        "east": await directory.member("east", [east]),
        "helper": await directory.member("helper", [support]),
        "gone": await directory.member("gone", [sales]),
        "boss": await directory.member("boss", [sales]),
    }
    await directory.set_enabled(people["gone"], False)
    await directory.grant(people["boss"], ["notices"], [sales])
    return {"Sales": sales, "East": east, "Support": support, **people}


async def as_(server, email: str) -> GraphQLClient:
    return await login(server.graphql_url, email, PASSWORD)


async def test_company_notice_reaches_every_member_of_the_enterprise_only(server, org):
    admin = await as_(server, "admin@example.com")
    name = title("company")
    posted = await post(admin, title=name, body="Office closed <Friday>\nthanks")
    assert posted["__typename"] == "PostedNotice", posted
    assert posted["notice"]["body"] == "Office closed &lt;Friday&gt;<br>\nthanks"
    assert posted["notice"]["departmentIds"] == []
    for email in ("bob@example.com", "alice@example.com", org["east"], org["helper"]):
        assert name in await titles(await as_(server, email)), email
    assert name not in await titles(await as_(server, "olga@other.org"))
    reports = {
        e["node"]["notice"]["title"]: e["node"]
        for e in (await admin.data(REPORTS))["noticeReports"]["edges"]
    }
    assert reports[name]["recipients"] == posted["recipients"] >= 8
    assert reports[name]["readCount"] == 0


async def test_department_notice_reaches_exactly_its_subtree(server, org):
    admin = await as_(server, "admin@example.com")
    name = title("sales only")
    posted = await post(
        admin,
        title=name,
        body="<p onclick='x()'>Q3 <b>targets</b></p>",
        html=True,
        departmentIds=[org["Sales"]],
    )
    assert posted["recipients"] == 3, "seller, east (sub-department) and boss; not the disabled one"
    assert posted["notice"]["body"] == "<p>Q3 <b>targets</b></p>"
    for who in ("seller", "east", "boss"):
        assert name in await titles(await as_(server, org[who])), who
    for email in (org["helper"], "bob@example.com"):
        assert name not in await titles(await as_(server, email)), email
    await Directory(admin).set_enabled(org["gone"], True)
    try:
        assert name not in await titles(await as_(server, org["gone"])), "disabled: no receipt"
    finally:
        await Directory(admin).set_enabled(org["gone"], False)


STORE_IN_CHUNKS = """
from mailcore.notices.audience import audience, store_receipts
from mailcore.core.sqlwork import run
from tortoise.transactions import in_transaction

author = await Member.get(email="admin@example.com")
targets = await audience(author.enterprise_id, args["departments"])
async with in_transaction() as connection:
    notice = await Notice.create(enterprise_id=author.enterprise_id, title="chunks", body="")
    work = store_receipts(notice.id, author.enterprise_id, targets, chunk=1)
    stored = await run(work, connection)
rows = await NoticeReceipt.filter(notice_id=notice.id).values_list("member__email", flat=True)
return {"stored": stored, "emails": sorted(rows), "statements": len(targets)}
"""


async def test_a_member_of_several_target_departments_gets_one_receipt(server, org):
    """The receipts are one INSERT ... SELECT per batch of departments: a member in two target
    subtrees counts once, within one statement and across statements."""
    directory = await Directory.open(server)
    plant = await directory.department(title("plant"))
    line = await directory.department(title("line"), parent=plant)
    lab = await directory.department(title("lab"))
    both = await directory.member("both", [line, lab])
    worker = await directory.member("worker", [plant])
    admin = await as_(server, "admin@example.com")
    name = title("plant and lab")

    posted = await post(admin, title=name, body="x", departmentIds=[plant, lab])

    assert posted["recipients"] == 2, posted
    edges = (await (await as_(server, both)).data(NOTICES, first=100, unread=False))["notices"]
    assert [e["node"]["title"] for e in edges["edges"]].count(name) == 1
    assert name in await titles(await as_(server, worker))
    chunked = server.mailcore(STORE_IN_CHUNKS, departments=[int(plant), int(lab)])
    assert chunked["statements"] == 3, "plant, line and lab: one statement each"
    assert chunked == {"stored": 2, "emails": sorted([both, worker]), "statements": 3}


async def test_live_push_reaches_subscribers_in_the_department_only(server, org):
    admin = await as_(server, "admin@example.com")
    east = await as_(server, org["east"])
    helper = await as_(server, org["helper"])
    for_sales, for_all = title("push sales"), title("push all")
    async with (
        Subscription(server.ws_url, east.token, POSTED) as inside,
        Subscription(server.ws_url, helper.token, POSTED) as outside,
    ):
        await asyncio.sleep(SETTLE)
        posted = await post(admin, title=for_sales, body="x", departmentIds=[org["Sales"]])
        pushed = (await inside.next())["noticePosted"]
        assert pushed["id"] == posted["notice"]["id"] and pushed["title"] == for_sales
        assert pushed["author"] == {"name": "Admin", "address": "admin@example.com"}
        await post(admin, title=for_all, body="y")
        first = (await outside.next())["noticePosted"]
        assert first["title"] == for_all, "support must not be told about the sales notice"
        assert (await inside.next())["noticePosted"]["title"] == for_all


async def test_every_socket_of_a_member_gets_the_push(server, org):
    """noticePosted is shared by member: two sockets of one member (one execution) both get
    the notice."""
    admin = await as_(server, "admin@example.com")
    seller = await as_(server, org["seller"])
    name = title("two tabs")
    async with (
        Subscription(server.ws_url, seller.token, POSTED) as first,
        Subscription(server.ws_url, seller.token, POSTED) as second,
    ):
        await asyncio.sleep(SETTLE)
        await post(admin, title=name, body="x", departmentIds=[org["Sales"]])
        assert (await first.next())["noticePosted"]["title"] == name
        assert (await second.next())["noticePosted"]["title"] == name


async def test_read_flags_and_unread_count(server, org):
    admin = await as_(server, "admin@example.com")
    name = title("read me")
    posted = await post(admin, title=name, body="x", departmentIds=[org["Support"]])
    notice_id = posted["notice"]["id"]
    helper = await as_(server, org["helper"])
    before = await helper.data(NOTICES, first=100, unread=True)
    assert name in {e["node"]["title"] for e in before["notices"]["edges"]}
    read = (await helper.data(MARK, id=notice_id, read=True))["markNoticeRead"]
    assert read == {"__typename": "Notice", "id": notice_id, "read": True}
    after = await helper.data(NOTICES, first=100, unread=True)
    assert after["unreadNoticeCount"] == before["unreadNoticeCount"] - 1
    assert name not in {e["node"]["title"] for e in after["notices"]["edges"]}
    assert (await titles(helper))[name]["read"] is True
    reports = {
        e["node"]["notice"]["id"]: e["node"]
        for e in (await admin.data(REPORTS))["noticeReports"]["edges"]
    }
    assert reports[notice_id]["readCount"] == 1
    unread = (await helper.data(MARK, id=notice_id, read=False))["markNoticeRead"]
    assert unread["read"] is False
    assert (await helper.data(NOTICES, first=1, unread=True))["unreadNoticeCount"] == before[
        "unreadNoticeCount"
    ]
    bob = await as_(server, "bob@example.com")
    assert (await bob.data(MARK, id=notice_id, read=True))["markNoticeRead"]["code"] == "NOT_FOUND"


async def test_paging_through_notices(server, org):
    admin = await as_(server, "admin@example.com")
    names = [title("page") for _ in range(3)]
    for name in names:
        posted = await post(admin, title=name, body="x", departmentIds=[org["East"]])
        assert posted["recipients"] == 1, posted
    east = await as_(server, org["east"])
    first = await east.data(NOTICES, first=2, unread=False)
    assert [e["node"]["title"] for e in first["notices"]["edges"]] == names[::-1][:2]
    assert first["notices"]["pageInfo"]["hasNextPage"] is True
    rest = await east.data(
        NOTICES, first=1, after=first["notices"]["pageInfo"]["endCursor"], unread=False
    )
    assert [e["node"]["title"] for e in rest["notices"]["edges"]] == [names[0]]


async def test_by_mail_delivers_the_notice_as_mail_too(server, org):
    admin = await as_(server, "admin@example.com")
    name = title("by mail")
    posted = await post(
        admin, title=name, body="see you", departmentIds=[org["Support"]], byMail=True
    )
    assert posted["recipients"] == 1
    helper = await as_(server, org["helper"])
    mail = await find(helper, name, wait=10)
    assert mail is not None and mail["from"]["address"] == "admin@example.com"
    assert await find(await as_(server, org["seller"]), name, wait=0.5) is None


async def test_scoped_admin_posts_only_within_scope(server, org):
    boss = await as_(server, org["boss"])
    inside = await post(boss, title=title("boss east"), body="x", departmentIds=[org["East"]])
    assert inside["__typename"] == "PostedNotice" and inside["recipients"] == 1
    for departments in ([], [org["Support"]], [org["Sales"], org["Support"]]):
        refused = await post(boss, title=title("boss"), body="x", departmentIds=departments)
        assert refused["__typename"] == "NoticeError" and refused["code"] == "FORBIDDEN"
    admin_notice = await post(
        await as_(server, "admin@example.com"),
        title=title("admin"),
        body="x",
        departmentIds=[org["Support"]],
    )
    assert (await boss.data(DELETE, id=admin_notice["notice"]["id"]))["deleteNotice"][
        "code"
    ] == "FORBIDDEN"
    assert (await boss.data(DELETE, id=inside["notice"]["id"]))["deleteNotice"] == {
        "__typename": "Done"
    }
    assert inside["notice"]["title"] not in await titles(await as_(server, org["east"]))


async def test_plain_members_post_only_when_the_enterprise_allows_it(server, org):
    admin = await as_(server, "admin@example.com")
    bob = await as_(server, "bob@example.com")
    assert (await bob.data(SETTINGS))["noticeSettings"] == {
        "membersPostNotices": False,
        "mayPost": False,
    }
    refused = await post(bob, title=title("bob"), body="x")
    assert refused["code"] == "FORBIDDEN"
    body = await bob.execute(SET_MEMBERS_POST, on=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    boss = await as_(server, org["boss"])
    assert (await boss.data(SET_MEMBERS_POST, on=True))["setMembersPostNotices"][
        "code"
    ] == "FORBIDDEN"
    oscar = await as_(server, "oscar@other.org")
    await oscar.data(SET_MEMBERS_POST, on=True)  # his own enterprise, not example.com
    assert (await bob.data(SETTINGS))["noticeSettings"]["membersPostNotices"] is False
    try:
        on = (await admin.data(SET_MEMBERS_POST, on=True))["setMembersPostNotices"]
        assert on["membersPostNotices"] is True
        assert (await bob.data(SETTINGS))["noticeSettings"]["mayPost"] is True
        name = title("from bob")
        posted = await post(bob, title=name, body="cake in the kitchen")
        assert posted["__typename"] == "PostedNotice"
        assert name in await titles(await as_(server, "alice@example.com"))
        olga = await as_(server, "olga@other.org")
        foreign = await post(olga, title=title("olga"), body="x", departmentIds=[org["Sales"]])
        assert foreign["code"] == "NOT_FOUND", "departments of another enterprise are unknown"
        assert (await bob.data(DELETE, id=posted["notice"]["id"]))["deleteNotice"] == {
            "__typename": "Done"
        }
    finally:
        await admin.data(SET_MEMBERS_POST, on=False)
        await oscar.data(SET_MEMBERS_POST, on=False)
    assert (await post(bob, title=title("bob"), body="x"))["code"] == "FORBIDDEN"


async def test_notice_input_is_checked(server):
    admin = await as_(server, "admin@example.com")
    for fields, field in (
        ({"title": "  ", "body": "x"}, "title"),
        ({"title": "t" * 201, "body": "x"}, "title"),
        ({"title": "t", "body": "x" * (100 * 1024 + 1)}, "body"),
        ({"title": "t", "body": "x", "departmentIds": ["999999"]}, "departmentIds"),
    ):
        refused = await post(admin, **fields)
        assert refused["__typename"] == "NoticeError" and refused["field"] == field, refused
    bob = await as_(server, "bob@example.com")
    body = await bob.execute(REPORTS)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
