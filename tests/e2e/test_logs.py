"""Self-service queries (U10) and the administrators' login, operation and mail logs, with
who may read what: plain members, another company's admin, scoped admins."""

from __future__ import annotations

from dataclasses import dataclass

from tests.e2e.client import GraphQLClient, login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_security import GRANT, LOGIN, BoundClient, codes, new_department, new_member

SEND = """
mutation Send($input: ComposeInput!) {
  sendMail(input: $input) {
    __typename ... on SendMailSuccess { sent { id } } ... on MailError { code message }
  }
}
"""
SENT_STATUS = """
query Status($id: ID!) {
  sentStatus(messageId: $id) { address kind status detail attempts }
}
"""
RECEIVED = """
query Received($first: Int, $after: String) {
  receivedLog(first: $first, after: $after) {
    edges { node { id sender subject folder time } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
MY_LOGINS = "{ myLogins(first: 50) { edges { node { login } } } }"
MOVE = """
mutation Move($ids: [ID!]!, $folder: String!) {
  move(ids: $ids, folder: $folder) { __typename }
}
"""
FOLDERS = "{ folders { name role } }"
LOGIN_LOGS = """
query Logs($filter: LoginLogFilter, $first: Int) {
  loginLogs(filter: $filter, first: $first) {
    edges { node { login client success reason } }
  }
}
"""
OPERATION_LOGS = """
query Ops($filter: OperationLogFilter) {
  operationLogs(filter: $filter, first: 100) {
    edges { node { actor action target detail } }
  }
}
"""
MAIL_LOGS = """
query Mail($filter: MailLogFilter, $first: Int, $after: String) {
  mailLogs(filter: $filter, first: $first, after: $after) {
    edges { cursor node { direction sender recipient subject status folder } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
SECURE = """
mutation Secure($enabled: Boolean!, $email: String) {
  setSecureLogin(enabled: $enabled, email: $email) { __typename }
}
"""
REMOTE = "someone@remote.example"


@dataclass
class Exchange:
    """A new member (sender) sent one message to another (receiver) and to an outsider."""

    sender: str
    receiver: str
    alice: GraphQLClient  # the sender's session
    bob: GraphQLClient  # the receiver's session
    sent_id: str
    subject: str


async def exchange(server) -> Exchange:
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    sender = await new_member(admin, "sender")
    receiver = await new_member(admin, "receiver")
    alice = await login(server.graphql_url, sender, PASSWORD)
    subject = unique("status")
    sent = await alice.data(SEND, input={"to": [receiver, REMOTE], "subject": subject})
    return Exchange(
        sender=sender,
        receiver=receiver,
        alice=alice,
        bob=await login(server.graphql_url, receiver, PASSWORD),
        sent_id=sent["sendMail"]["sent"]["id"],
        subject=subject,
    )


async def test_sent_status_and_received_log_show_the_members_own_mail(server):
    mail = await exchange(server)
    alice, bob, sender, receiver = mail.alice, mail.bob, mail.sender, mail.receiver
    sent_id, subject = mail.sent_id, mail.subject

    statuses = {r["address"]: r for r in (await alice.data(SENT_STATUS, id=sent_id))["sentStatus"]}
    assert set(statuses) == {receiver, REMOTE}
    assert (statuses[receiver]["kind"], statuses[receiver]["status"]) == ("LOCAL", "DELIVERED")
    assert statuses[REMOTE]["kind"] == "EXTERNAL"
    assert statuses[REMOTE]["status"] in ("QUEUED", "SENT", "FAILED")

    foreign = await bob.execute(SENT_STATUS, id=sent_id)
    assert codes(foreign) == ["NOT_FOUND"]
    assert foreign["errors"][0]["extensions"]["field"] == "messageId"

    inbox = next(f["name"] for f in (await bob.data(FOLDERS))["folders"] if f["role"] == "INBOX")
    received = [e["node"] for e in (await bob.data(RECEIVED, first=10))["receivedLog"]["edges"]]
    assert [(r["sender"], r["subject"], r["folder"]) for r in received] == [
        (sender, subject, inbox)
    ]
    await bob.data(MOVE, ids=[received[0]["id"]], folder="TRASH")
    trash = next(f["name"] for f in (await bob.data(FOLDERS))["folders"] if f["role"] == "TRASH")
    moved = (await bob.data(RECEIVED, first=10))["receivedLog"]["edges"][0]["node"]
    assert moved["folder"] == trash, "the log shows where the message went"
    assert (await alice.data(RECEIVED, first=10))["receivedLog"]["edges"] == [], "Sent is not in"

    logins = {e["node"]["login"] for e in (await bob.data(MY_LOGINS))["myLogins"]["edges"]}
    assert logins == {receiver}


async def test_received_log_pages_and_checks_its_arguments(server):
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    email = await new_member(admin, "pager")
    member = await login(server.graphql_url, email, PASSWORD)
    with mx(server.smtp_port) as smtp:
        for n in range(3):
            smtp.sendmail(
                "x@outside.example", [email], simple_mail("x@outside.example", email, f"page {n}")
            )
    assert await find(member, "page 2")
    first = (await member.data(RECEIVED, first=2))["receivedLog"]
    rest = await member.data(RECEIVED, first=2, after=first["pageInfo"]["endCursor"])
    subjects = [e["node"]["subject"] for e in first["edges"] + rest["receivedLog"]["edges"]]
    assert subjects == ["page 2", "page 1", "page 0"]
    assert first["pageInfo"]["hasNextPage"] and not rest["receivedLog"]["pageInfo"]["hasNextPage"]
    for first_value in (0, 201):
        bad = await member.execute(RECEIVED, first=first_value)
        assert codes(bad) == ["INVALID"] and bad["errors"][0]["extensions"]["field"] == "first"


async def test_admin_mail_log_by_direction_and_page(server):
    mail = await exchange(server)
    bob, sender, receiver, subject = mail.bob, mail.sender, mail.receiver, mail.subject
    outsider_subject = unique("inbound")
    with mx(server.smtp_port) as smtp:
        smtp.sendmail(
            "stranger@outside.example",
            [receiver],
            simple_mail("stranger@outside.example", receiver, outsider_subject),
        )
    assert await find(bob, outsider_subject)
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)

    def rows(data: dict) -> list[tuple]:
        return [
            (
                e["node"]["direction"],
                e["node"]["sender"],
                e["node"]["recipient"],
                e["node"]["subject"],
                e["node"]["status"],
            )
            for e in data["mailLogs"]["edges"]
        ]

    internal = await admin.data(MAIL_LOGS, filter={"sender": sender, "direction": "INTERNAL"})
    assert rows(internal) == [("INTERNAL", sender, receiver, subject, "DELIVERED")]
    out = rows(await admin.data(MAIL_LOGS, filter={"sender": sender, "direction": "OUT"}))
    assert [(r[0], r[2], r[3]) for r in out] == [("OUT", REMOTE, subject)]
    inbound = await admin.data(MAIL_LOGS, filter={"recipient": receiver, "direction": "IN"})
    assert rows(inbound) == [
        ("IN", "stranger@outside.example", receiver, outsider_subject, "DELIVERED")
    ]

    page = (await admin.data(MAIL_LOGS, filter={"sender": sender}, first=1))["mailLogs"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await admin.data(
        MAIL_LOGS, filter={"sender": sender}, first=5, after=page["pageInfo"]["endCursor"]
    )
    both = [e["node"]["recipient"] for e in page["edges"] + rest["mailLogs"]["edges"]]
    assert sorted(both) == sorted([receiver, REMOTE])
    assert rest["mailLogs"]["pageInfo"]["hasNextPage"] is False


async def test_admin_login_and_operation_logs(server):
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    email = await new_member(admin, "oplog")
    await admin.data(SECURE, enabled=True, email=email)
    await admin.data(SECURE, enabled=False, email=email)
    ops = await admin.data(
        OPERATION_LOGS, filter={"action": "security.", "actor": "admin@example.com"}
    )
    mine = [e["node"] for e in ops["operationLogs"]["edges"] if e["node"]["target"] == email]
    assert [(o["action"], o["detail"]) for o in mine] == [
        ("security.secure_login", {"enabled": False}),
        ("security.secure_login", {"enabled": True}),
    ]
    exact = await admin.data(OPERATION_LOGS, filter={"action": "security.secure_login"})
    assert {e["node"]["action"] for e in exact["operationLogs"]["edges"]} == {
        "security.secure_login"
    }

    elsewhere = BoundClient(server.graphql_url, ip="127.0.0.8")
    await elsewhere.data(LOGIN, email=email, password="wrong-one")
    failed = await admin.data(LOGIN_LOGS, filter={"member": email, "success": False})
    assert [e["node"]["reason"] for e in failed["loginLogs"]["edges"]] == ["bad_password"]
    ghost = await admin.data(LOGIN_LOGS, filter={"member": "ghost-x@example.com"}, first=5)
    assert ghost["loginLogs"]["edges"] == []

    bad = await admin.execute(
        LOGIN_LOGS, filter={"since": "2030-01-02T00:00:00Z", "until": "2030-01-01T00:00:00Z"}
    )
    assert codes(bad) == ["INVALID"] and bad["errors"][0]["extensions"]["field"] == "until"


async def test_who_may_read_the_logs(server):
    admin = await login(server.graphql_url, "admin@example.com", PASSWORD)
    department = await new_department(admin, "logs")
    inside = await new_member(admin, "logged", departmentIds=[department])
    outside = await new_member(admin, "unlogged")
    auditor = await new_member(admin, "auditor", departmentIds=[department])
    await admin.data(GRANT, email=auditor, perms=["logs"], deps=[department])
    guard = await new_member(admin, "guard", departmentIds=[department])
    await admin.data(GRANT, email=guard, perms=["security"], deps=[department])
    for email in (inside, outside):
        await login(server.graphql_url, email, PASSWORD)
    with mx(server.smtp_port) as smtp:
        for email in (inside, outside):
            smtp.sendmail(
                "x@outside.example",
                [email],
                simple_mail("x@outside.example", email, unique("seen")),
            )
    guard_session = await login(server.graphql_url, guard, PASSWORD)
    await guard_session.data(SECURE, enabled=False, email=inside)
    await admin.data(SECURE, enabled=False, email=outside)

    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    for query in (LOGIN_LOGS, OPERATION_LOGS, MAIL_LOGS):
        assert codes(await bob.execute(query)) == ["FORBIDDEN"]

    oscar = await login(server.graphql_url, "oscar@other.org", PASSWORD)
    assert codes(await oscar.execute(LOGIN_LOGS, filter={"member": inside})) == ["FORBIDDEN"]
    theirs = (await oscar.data(LOGIN_LOGS, first=200))["loginLogs"]["edges"]
    assert theirs and all(e["node"]["login"].endswith("@other.org") for e in theirs)
    their_mail = (await oscar.data(MAIL_LOGS, first=200))["mailLogs"]["edges"]
    assert not [e for e in their_mail if e["node"]["recipient"].endswith("@example.com")]
    their_ops = (await oscar.data(OPERATION_LOGS))["operationLogs"]["edges"]
    assert "admin@example.com" not in {e["node"]["actor"] for e in their_ops}

    scoped = await login(server.graphql_url, auditor, PASSWORD)
    assert codes(await scoped.execute(LOGIN_LOGS, filter={"member": outside})) == ["FORBIDDEN"]
    seen = {
        e["node"]["login"] for e in (await scoped.data(LOGIN_LOGS, first=200))["loginLogs"]["edges"]
    }
    assert inside in seen and outside not in seen
    assert seen <= {inside, auditor, guard}
    mail = {
        e["node"]["recipient"]
        for e in (await scoped.data(MAIL_LOGS, first=200))["mailLogs"]["edges"]
    }
    assert inside in mail and outside not in mail
    actors = {
        e["node"]["actor"] for e in (await scoped.data(OPERATION_LOGS))["operationLogs"]["edges"]
    }
    assert guard in actors, "changes by members of the auditor's departments"
    assert "admin@example.com" not in actors and actors <= {auditor, guard, inside}

    assert codes(await guard_session.execute(LOGIN_LOGS)) == ["FORBIDDEN"]
