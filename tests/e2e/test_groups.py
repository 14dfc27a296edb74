"""Mail groups (U4): enterprise groups with nested groups and departments, posting permission
over SMTP inbound, submission and compose; personal groups; lookup; who may manage groups."""

from __future__ import annotations

import uuid

import aiosmtplib
import pytest

from mailcore.protocols.smtp import replies
from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import find, mx, simple_mail, submission, unique
from tests.e2e.server import PASSWORD

GROUP_FIELDS = """
  __typename
  ... on MailGroup {
    id email name permission allowType allowedSenders
    members { email } departments { id name } groups { id email }
  }
  ... on AdminError { code field message }
"""
CREATE = f"""
mutation C($i: MailGroupInput!) {{ createMailGroup(input: $i) {{ {GROUP_FIELDS} }} }}
"""
UPDATE = f"""
mutation U($id: ID!, $i: MailGroupUpdate!) {{
  updateMailGroup(id: $id, input: $i) {{ {GROUP_FIELDS} }}
}}
"""
DELETE = """
mutation D($id: ID!) {
  deleteMailGroup(id: $id) { __typename ... on AdminError { code field } }
}
"""
LIST = "{ mailGroups { id email name members { email } groups { email } } }"
GET = "query G($id: ID!) { mailGroup(id: $id) { id name email members { email } } }"
LOOKUP = """
query L($q: String!) { groups(query: $q) { id kind name address addresses } }
"""
SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename
    ... on SendMailSuccess { sent { id to { address } } }
    ... on MailError { code field message }
  }
}
"""
CREATE_PERSONAL = """
mutation P($name: String!, $addresses: [String!]!) {
  createPersonalGroup(name: $name, addresses: $addresses) {
    __typename
    ... on PersonalGroup { id name addresses }
    ... on GroupError { code field }
  }
}
"""
UPDATE_PERSONAL = """
mutation P($id: ID!, $name: String, $addresses: [String!]) {
  updatePersonalGroup(id: $id, name: $name, addresses: $addresses) {
    __typename
    ... on PersonalGroup { id name addresses }
    ... on GroupError { code field }
  }
}
"""
DELETE_PERSONAL = """
mutation P($id: ID!) { deletePersonalGroup(id: $id) { __typename ... on GroupError { code } } }
"""
PERSONAL = "{ personalGroups { id name addresses } }"
MESSAGE = "query M($id: ID!) { message(id: $id) { to { address } } }"
GRANT = """
mutation G($email: String!, $perms: [String!], $deps: [ID!]) {
  grantAdmin(email: $email, isSuper: false, permissions: $perms, departmentIds: $deps) {
    __typename ... on AdminError { code message }
  }
}
"""
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
DISABLE = """
mutation X($email: String!) {
  disableMember(email: $email) { __typename ... on AdminError { code } }
}
"""
ENABLE = """
mutation X($email: String!) {
  enableMember(email: $email) { __typename ... on AdminError { code } }
}
"""


def tag() -> str:
    return uuid.uuid4().hex[:8]


async def admin(server) -> GraphQLClient:
    return await login(server.graphql_url, "admin@example.com", PASSWORD)


async def create_group(client: GraphQLClient, **fields) -> dict:
    group = (await client.data(CREATE, i=fields))["createMailGroup"]
    assert group["__typename"] == "MailGroup", group
    return group


class Directory:
    """Departments and members made through the directory admin API, as admin@example.com."""

    def __init__(self, client: GraphQLClient) -> None:
        self.client = client

    @classmethod
    async def open(cls, server) -> Directory:
        return cls(await admin(server))

    async def department(self, name: str, parent: str | None = None) -> str:
        created = (await self.client.data(NEW_DEPARTMENT, name=name, parent=parent))[
            "createDepartment"
        ]
        assert created["__typename"] == "AdminDepartment", created
        return created["id"]

    async def member(self, prefix: str, departments: list[str] | None = None) -> str:
        email = f"{prefix}.{tag()}@example.com"
        i = {"email": email, "password": PASSWORD, "name": prefix}
        if departments:
            i["departmentIds"] = departments
        created = (await self.client.data(NEW_MEMBER, i=i))["createMember"]
        assert created["__typename"] == "AdminMember", created
        return email

    async def set_enabled(self, email: str, enabled: bool) -> None:
        query = ENABLE if enabled else DISABLE
        result = await self.client.data(query, email=email)
        assert next(iter(result.values()))["__typename"] == "AdminMember", result

    async def grant(self, email: str, permissions: list[str], departments: list[str]) -> None:
        granted = await self.client.data(GRANT, email=email, perms=permissions, deps=departments)
        assert granted["grantAdmin"]["__typename"] == "AdminRoleType", granted


@pytest.fixture(scope="module")
async def people(server):
    """Fresh members: m1 (root department), m2 and m4 in D, m3 in D's sub-department D2,
    m5 in E; lead: a scoped admin of D with the groups permission, clerk: one without it."""
    directory = await Directory.open(server)
    d = await directory.department(f"D {tag()}")
    d2 = await directory.department(f"D2 {tag()}", parent=d)
    e = await directory.department(f"E {tag()}")
    people = {
        "m1": await directory.member("m1"),
        "m2": await directory.member("m2", [d]),
        "m3": await directory.member("m3", [d2]),
        "m4": await directory.member("m4", [d]),
        "m5": await directory.member("m5", [e]),
        "lead": await directory.member("lead", [d]),
        "clerk": await directory.member("clerk", [d]),
        "D": d,
        "D2": d2,
        "E": e,
    }
    await directory.grant(people["lead"], ["groups"], [d])
    await directory.grant(people["clerk"], ["members"], [d])
    return people


# --- enterprise groups: CRUD, address rules, cycles -----------------------------------------


async def test_admin_creates_lists_updates_and_deletes_a_group(server, people):
    client = await admin(server)
    address = f"team-{tag()}@example.com"
    created = await create_group(
        client, email=address.upper(), name="  Team  A ", members=[people["m1"], people["m2"]]
    )
    assert created["email"] == address and created["name"] == "Team A"
    assert created["permission"] == "COMPANY" and created["allowType"] == 0
    assert {m["email"] for m in created["members"]} == {people["m1"], people["m2"]}

    listed = {g["email"]: g for g in (await client.data(LIST))["mailGroups"]}
    assert {m["email"] for m in listed[address]["members"]} == {people["m1"], people["m2"]}
    got = (await client.data(GET, id=created["id"]))["mailGroup"]
    assert got["name"] == "Team A"

    updated = (
        await client.data(
            UPDATE,
            id=created["id"],
            i={"name": "Team B", "members": [people["m3"]], "permission": "ANYONE"},
        )
    )["updateMailGroup"]
    assert updated["name"] == "Team B" and updated["allowType"] == 1
    assert [m["email"] for m in updated["members"]] == [people["m3"]]

    assert (await client.data(DELETE, id=created["id"]))["deleteMailGroup"] == {
        "__typename": "Done"
    }
    assert address not in {g["email"] for g in (await client.data(LIST))["mailGroups"]}
    body = await client.execute(GET, id=created["id"])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("alice@example.com", "ALREADY_EXISTS"),  # a member
        ("ali@example.net", "ALREADY_EXISTS"),  # an alias
        ("someone@other.org", "INVALID"),  # another enterprise's domain
        ("someone@example.cn", "INVALID"),  # an alias domain
        ("not an address", "INVALID"),
    ],
)
async def test_group_address_must_be_free_and_in_a_domain_of_the_enterprise(server, address, code):
    client = await admin(server)
    result = (await client.data(CREATE, i={"email": address, "name": "x"}))["createMailGroup"]
    assert result["code"] == code and result["field"] == "email", result


async def test_group_address_taken_by_another_group_is_refused(server):
    client = await admin(server)
    address = f"dup-{tag()}@example.com"
    await create_group(client, email=address, name="first")
    again = (await client.data(CREATE, i={"email": address, "name": "second"}))["createMailGroup"]
    assert again["code"] == "ALREADY_EXISTS" and again["field"] == "email"


async def test_listed_permission_needs_senders_and_unknown_members_are_refused(server):
    client = await admin(server)
    listed = (
        await client.data(
            CREATE, i={"email": f"l-{tag()}@example.com", "name": "l", "permission": "LISTED"}
        )
    )["createMailGroup"]
    assert listed["code"] == "INVALID" and listed["field"] == "allowedSenders"
    unknown = (
        await client.data(
            CREATE,
            i={"email": f"u-{tag()}@example.com", "name": "u", "members": ["olga@other.org"]},
        )
    )["createMailGroup"]
    assert unknown["code"] == "NOT_FOUND" and unknown["field"] == "members"


async def test_cycles_are_refused_naming_the_field(server, people):
    client = await admin(server)
    a = await create_group(client, email=f"a-{tag()}@example.com", name="A")
    b = await create_group(client, email=f"b-{tag()}@example.com", name="B", groupIds=[a["id"]])
    c = await create_group(client, email=f"c-{tag()}@example.com", name="C", groupIds=[b["id"]])
    for members in ([a["id"]], [b["id"]], [c["id"]]):
        refused = (await client.data(UPDATE, id=a["id"], i={"groupIds": members}))[
            "updateMailGroup"
        ]
        assert refused["code"] == "CYCLE" and refused["field"] == "groupIds", refused
    # no cycle: A may contain a group that does not reach it
    d = await create_group(client, email=f"d-{tag()}@example.com", name="D")
    fine = (await client.data(UPDATE, id=a["id"], i={"groupIds": [d["id"]]}))["updateMailGroup"]
    assert [g["email"] for g in fine["groups"]] == [d["email"]]


# --- delivery ------------------------------------------------------------------------------


INBOX = '{ messages(folder: "INBOX", first: 100) { edges { node { id subject } } } }'


async def copies(server, email: str, subject: str) -> list[dict]:
    member = await login(server.graphql_url, email, PASSWORD)
    await find(member, subject, wait=3)
    edges = (await member.data(INBOX))["messages"]["edges"]
    return [e["node"] for e in edges if e["node"]["subject"] == subject]


async def test_nested_groups_and_departments_reach_every_current_member_once(server, people):
    client = await admin(server)
    directory = Directory(client)
    inner = await create_group(
        client, email=f"in-{tag()}@example.com", name="inner", members=[people["m2"], people["m1"]]
    )
    outer = await create_group(
        client,
        email=f"out-{tag()}@example.com",
        name="outer",
        permission="ANYONE",
        members=[people["m1"]],
        departmentIds=[people["D"]],
        groupIds=[inner["id"]],
    )
    await directory.set_enabled(people["m4"], False)
    subject = unique("group inbound")
    try:
        with mx(server.smtp_port) as smtp:
            refused = smtp.sendmail(
                "partner@remote.test",
                [outer["email"]],
                simple_mail("partner@remote.test", outer["email"], subject),
            )
        assert refused == {}
    finally:
        await directory.set_enabled(people["m4"], True)
    for name in ("m1", "m2", "m3", "lead"):
        found = await copies(server, people[name], subject)
        assert len(found) == 1, f"{name} must get exactly one copy"
        member = await login(server.graphql_url, people[name], PASSWORD)
        to = (await member.data(MESSAGE, id=found[0]["id"]))["message"]["to"]
        assert to == [{"address": outer["email"]}], "the group address stays in To"
    m4 = await login(server.graphql_url, people["m4"], PASSWORD)
    assert await find(m4, subject, wait=0.5) is None, "a disabled member gets nothing"
    blobs = [p for p in (server.data_dir / "blobs").rglob("*") if p.is_file()]
    assert sum(subject.encode() in p.read_bytes() for p in blobs) == 1, "one blob"
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, subject, wait=0.3) is None


async def test_overlapping_and_nested_groups_deliver_once(server, people):
    client = await admin(server)
    a = await create_group(
        client, email=f"ca-{tag()}@example.com", name="ca", members=[people["m1"]]
    )
    b = await create_group(
        client, email=f"cb-{tag()}@example.com", name="cb", members=[people["m3"]],
        groupIds=[a["id"]],
    )  # fmt: skip
    assert (await client.data(UPDATE, id=a["id"], i={"groupIds": [b["id"]]}))["updateMailGroup"][
        "code"
    ] == "CYCLE"
    subject = unique("cycle-safe")
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    sent = await bob.data(SEND, i={"to": [b["email"], a["email"]], "subject": subject})
    assert sent["sendMail"]["__typename"] == "SendMailSuccess"
    assert len(await copies(server, people["m1"], subject)) == 1
    assert len(await copies(server, people["m3"], subject)) == 1


async def test_group_in_an_alias_domain_reaches_the_group(server, people):
    client = await admin(server)
    local = f"cn-{tag()}"
    await create_group(
        client, email=f"{local}@example.com", name="cn", permission="ANYONE",
        members=[people["m3"]],
    )  # fmt: skip
    subject = unique("alias domain group")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "p@remote.test",
            [f"{local}@example.cn"],
            simple_mail("p@remote.test", f"{local}@example.cn", subject),
        )
    m3 = await login(server.graphql_url, people["m3"], PASSWORD)
    assert await find(m3, subject) is not None


async def test_submission_and_compose_deliver_to_the_group(server, people):
    client = await admin(server)
    group = await create_group(
        client, email=f"sc-{tag()}@example.com", name="sc", members=[people["m1"]],
        departmentIds=[people["D2"]],
    )  # fmt: skip
    by_smtp, by_compose = unique("group submission"), unique("group compose")
    smtp = await submission(server, "alice@example.com")
    await smtp.sendmail(
        "alice@example.com",
        [group["email"]],
        simple_mail("alice@example.com", group["email"], by_smtp),
    )
    await smtp.quit()
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    sent = (await alice.data(SEND, i={"to": [group["email"]], "subject": by_compose}))["sendMail"]
    assert sent["__typename"] == "SendMailSuccess", sent
    assert sent["sent"]["to"] == [{"address": group["email"]}]
    for name in ("m1", "m3"):
        assert len(await copies(server, people[name], by_smtp)) == 1
        assert len(await copies(server, people[name], by_compose)) == 1
    m2 = await login(server.graphql_url, people["m2"], PASSWORD)
    assert await find(m2, by_smtp, wait=0.3) is None, "D2 does not include its parent D"


# --- posting permission ------------------------------------------------------------------


async def _mx_rcpt(server, sender: str, rcpt: str) -> tuple[int, str]:
    with mx(server.smtp_port) as smtp:
        smtp.ehlo()
        smtp.mail(sender)
        code, text = smtp.rcpt(rcpt)
    return code, text.decode()


async def _submission_rcpt(server, user: str, rcpt: str) -> tuple[int, str]:
    smtp = await submission(server, user)
    await smtp.mail(user)
    try:
        response = await smtp.rcpt(rcpt)
        code, text = response.code, response.message
    except aiosmtplib.SMTPRecipientRefused as exc:
        code, text = exc.code, exc.message
    await smtp.quit()
    return code, text


async def test_posting_permission_company_members_only(server, people):
    client = await admin(server)
    group = await create_group(
        client, email=f"p0-{tag()}@example.com", name="p0", members=[people["m1"]]
    )
    code, text = await _mx_rcpt(server, "outsider@remote.test", group["email"])
    assert (code, f"{code} {text}") == (
        550,
        replies.GROUP_NOT_ALLOWED.format(address=group["email"]),
    )
    assert (await _submission_rcpt(server, "bob@example.com", group["email"]))[0] == 250
    olga = await login(server.graphql_url, "olga@other.org", PASSWORD)
    refused = (await olga.data(SEND, i={"to": [group["email"]], "subject": "x"}))["sendMail"]
    assert refused["code"] == "NOT_ALLOWED" and refused["field"] == "to"
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    ok = (await bob.data(SEND, i={"to": [group["email"]], "subject": unique("p0")}))["sendMail"]
    assert ok["__typename"] == "SendMailSuccess"


async def test_posting_permission_anyone(server, people):
    client = await admin(server)
    group = await create_group(
        client,
        email=f"p1-{tag()}@example.com",
        name="p1",
        permission="ANYONE",
        members=[people["m1"]],
    )
    assert (await _mx_rcpt(server, "outsider@remote.test", group["email"]))[0] == 250
    assert (await _mx_rcpt(server, "", group["email"]))[0] == 250


async def test_posting_permission_group_members_only(server, people):
    client = await admin(server)
    inner = await create_group(
        client, email=f"p2i-{tag()}@example.com", name="p2i", members=[people["m2"]]
    )
    group = await create_group(
        client,
        email=f"p2-{tag()}@example.com",
        name="p2",
        permission="GROUP_MEMBERS",
        members=[people["m1"]],
        groupIds=[inner["id"]],
    )
    code, text = await _submission_rcpt(server, "bob@example.com", group["email"])
    assert code == 550 and text == replies.GROUP_NOT_ALLOWED.format(address=group["email"])[4:]
    assert (await _submission_rcpt(server, people["m2"], group["email"]))[0] == 250, "nested"
    assert (await _mx_rcpt(server, "outsider@remote.test", group["email"]))[0] == 550
    assert (await _mx_rcpt(server, people["m1"], group["email"]))[0] == 250
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    refused = (await bob.data(SEND, i={"to": [group["email"]], "subject": "x"}))["sendMail"]
    assert refused["code"] == "NOT_ALLOWED"
    m1 = await login(server.graphql_url, people["m1"], PASSWORD)
    subject = unique("p2 ok")
    ok = (await m1.data(SEND, i={"to": [group["email"]], "subject": subject}))["sendMail"]
    assert ok["__typename"] == "SendMailSuccess"
    m2 = await login(server.graphql_url, people["m2"], PASSWORD)
    assert await find(m2, subject) is not None


async def test_posting_permission_listed_senders(server, people):
    client = await admin(server)
    group = await create_group(
        client,
        email=f"p3-{tag()}@example.com",
        name="p3",
        permission="LISTED",
        allowedSenders=["Partner@Remote.test", "alice@example.com"],
        members=[people["m1"]],
    )
    assert group["allowedSenders"] == ["partner@remote.test", "alice@example.com"]
    subject = unique("listed")
    with mx(server.smtp_port) as smtp:
        assert (
            smtp.sendmail(
                "partner@remote.test",
                [group["email"]],
                simple_mail("partner@remote.test", group["email"], subject),
            )
            == {}
        )
    m1 = await login(server.graphql_url, people["m1"], PASSWORD)
    assert await find(m1, subject) is not None
    assert (await _mx_rcpt(server, "stranger@remote.test", group["email"]))[0] == 550
    assert (await _submission_rcpt(server, "bob@example.com", group["email"]))[0] == 550
    # alice is listed by her address; her alias identifies the same member
    smtp = await submission(server, "alice@example.com")
    await smtp.mail("ali@example.net")
    assert (await smtp.rcpt(group["email"])).code == 250
    await smtp.quit()
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    ok = (await alice.data(SEND, i={"to": [group["email"]], "subject": unique("p3")}))["sendMail"]
    assert ok["__typename"] == "SendMailSuccess"


# --- personal groups and lookup ----------------------------------------------------------


async def test_personal_group_crud_and_send(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    name = f"friends {tag()}"
    group = (
        await alice.data(
            CREATE_PERSONAL, name=name, addresses=["Bob@example.com", "carol@example.com"]
        )
    )["createPersonalGroup"]
    assert group["addresses"] == ["bob@example.com", "carol@example.com"]
    twin = (await alice.data(CREATE_PERSONAL, name=name, addresses=[]))["createPersonalGroup"]
    assert twin["code"] == "ALREADY_EXISTS" and twin["field"] == "name"
    bad = (await alice.data(CREATE_PERSONAL, name="bad", addresses=["nope"]))["createPersonalGroup"]
    assert bad["code"] == "INVALID" and bad["field"] == "addresses"

    subject = unique("personal group")
    sent = (
        await alice.data(
            SEND,
            i={"to": ["bob@example.com"], "personalGroupIds": [group["id"]], "subject": subject},
        )
    )["sendMail"]
    assert sent["__typename"] == "SendMailSuccess", sent
    assert [a["address"] for a in sent["sent"]["to"]] == ["bob@example.com", "carol@example.com"]
    for who in ("bob", "carol"):
        client = await login(server.graphql_url, f"{who}@example.com", PASSWORD)
        assert await find(client, subject) is not None

    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    stolen = (await bob.data(SEND, i={"personalGroupIds": [group["id"]], "subject": "x"}))[
        "sendMail"
    ]
    assert stolen["code"] == "INVALID_RECIPIENT" and stolen["field"] == "personalGroupIds"
    assert group["id"] not in {g["id"] for g in (await bob.data(PERSONAL))["personalGroups"]}
    assert (await bob.data(DELETE_PERSONAL, id=group["id"]))["deletePersonalGroup"][
        "code"
    ] == "NOT_FOUND"

    renamed = (await alice.data(UPDATE_PERSONAL, id=group["id"], name=f"{name} 2", addresses=None))[
        "updatePersonalGroup"
    ]
    assert renamed["name"] == f"{name} 2" and len(renamed["addresses"]) == 2
    assert (await alice.data(DELETE_PERSONAL, id=group["id"]))["deletePersonalGroup"] == {
        "__typename": "Done"
    }
    assert group["id"] not in {g["id"] for g in (await alice.data(PERSONAL))["personalGroups"]}


async def test_group_lookup_for_members(server, people):
    client = await admin(server)
    word = tag()
    group = await create_group(client, email=f"look-{word}@example.com", name=f"Sales {word}")
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    await bob.data(CREATE_PERSONAL, name=f"my {word}", addresses=["alice@example.com"])
    hits = (await bob.data(LOOKUP, q=word))["groups"]
    assert {(h["kind"], h["name"]) for h in hits} == {
        ("ENTERPRISE", f"Sales {word}"),
        ("PERSONAL", f"my {word}"),
    }
    assert next(h for h in hits if h["kind"] == "ENTERPRISE")["address"] == group["email"]
    by_address = (await bob.data(LOOKUP, q=f"look-{word}"))["groups"]
    assert [h["address"] for h in by_address] == [group["email"]]
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    assert [h["kind"] for h in (await alice.data(LOOKUP, q=word))["groups"]] == ["ENTERPRISE"]
    olga = await login(server.graphql_url, "olga@other.org", PASSWORD)
    assert (await olga.data(LOOKUP, q=word))["groups"] == []


# --- who may manage groups ---------------------------------------------------------------


async def test_plain_members_and_other_enterprises_cannot_manage_groups(server, people):
    client = await admin(server)
    group = await create_group(client, email=f"own-{tag()}@example.com", name="own")
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    for query, variables in (
        (LIST, {}),
        (CREATE, {"i": {"email": f"x-{tag()}@example.com", "name": "x"}}),
        (DELETE, {"id": group["id"]}),
    ):
        body = await bob.execute(query, **variables)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    assert group["email"] not in {g["email"] for g in (await oscar.data(LIST))["mailGroups"]}
    assert (await oscar.data(DELETE, id=group["id"]))["deleteMailGroup"]["code"] == "NOT_FOUND"
    renamed = (await oscar.data(UPDATE, id=group["id"], i={"name": "mine"}))["updateMailGroup"]
    assert renamed["code"] == "NOT_FOUND"
    put_in = (
        await oscar.data(
            CREATE, i={"email": f"o-{tag()}@other.org", "name": "o", "members": [people["m1"]]}
        )
    )["createMailGroup"]
    assert put_in["code"] == "NOT_FOUND" and put_in["field"] == "members"
    assert [
        g["email"] for g in (await client.data(GET, id=group["id"]))["mailGroup"]["members"]
    ] == []


async def test_scoped_admins_manage_groups_within_their_departments_only(server, people):
    lead = await login(server.graphql_url, people["lead"], PASSWORD)
    mine = await create_group(
        lead, email=f"lead-{tag()}@example.com", name="lead", members=[people["m2"]],
        departmentIds=[people["D2"]],
    )  # fmt: skip
    assert [d["id"] for d in mine["departments"]] == [people["D2"]]
    for fields, field in (
        ({"members": [people["m5"]]}, "members"),
        ({"members": [people["m1"]]}, "members"),
        ({"departmentIds": [people["E"]]}, "departmentIds"),
    ):
        refused = (
            await lead.data(CREATE, i={"email": f"x-{tag()}@example.com", "name": "x", **fields})
        )["createMailGroup"]
        assert refused["code"] == "FORBIDDEN" and refused["field"] == field, refused
    client = await admin(server)
    wide = await create_group(
        client, email=f"wide-{tag()}@example.com", name="wide", members=[people["m5"]]
    )
    assert (await lead.data(DELETE, id=wide["id"]))["deleteMailGroup"]["code"] == "FORBIDDEN"
    renamed = (await lead.data(UPDATE, id=wide["id"], i={"name": "taken"}))["updateMailGroup"]
    assert renamed["code"] == "FORBIDDEN"
    nesting = (await lead.data(UPDATE, id=mine["id"], i={"groupIds": [wide["id"]]}))[
        "updateMailGroup"
    ]
    assert nesting["code"] == "FORBIDDEN", "a group with members outside the scope"
    clerk = await login(server.graphql_url, people["clerk"], PASSWORD)
    body = await clerk.execute(LIST)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    no_permission = (await clerk.data(DELETE, id=mine["id"]))["deleteMailGroup"]
    assert no_permission["code"] == "FORBIDDEN"
    assert (await lead.data(DELETE, id=mine["id"]))["deleteMailGroup"] == {"__typename": "Done"}
