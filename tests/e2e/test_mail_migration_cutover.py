"""The admin console's side of mail migration (issue 21, items 4 and 5) over the wire, against
a real Dovecot, a real DNS server on the loopback and a running server (SQLite, and
PostgreSQL with Redis).

Given two old mailboxes (one with a mail above the size limit), when an administrator starts
a migration by uploading the members' CSV file (GraphQL multipart), then it moves them like
``startMailMigration``; a bad file is a typed INVALID at ``members``. The cut-over checklist
follows the real state: nothing migrated yet, then the migration ended with a refusal
(MIGRATION_COMPLETE to do, naming the old address), then the incremental run (``runs`` 2) ends
(INCREMENTAL_RUN done); MX_SWITCHED is unknown until a DNS check, to do while the MX points
elsewhere and done once it points here; a member who signs in counts as reconfigured.
Forcing a password change makes both members change it at their next sign-in: the login says
so, other requests are refused until they do, IMAP too. A plain member and an administrator
without the ``members`` permission are refused each new field and mutation; one without
``domains`` sees the domain items as UNKNOWN.
"""

from __future__ import annotations

import asyncio
import imaplib
import json
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, login
from tests.e2e.dnsserver import DnsServer
from tests.e2e.dovecot import Dovecot, need_dovecot
from tests.e2e.mail import client_tls
from tests.e2e.server import PASSWORD, Server

HOSTNAME = "mx.qiyou.test"
ENV = {
    "QIYOU_FETCH_PRIVATE_HOSTS": "1",  # Dovecot listens on loopback
    "QIYOU_FETCH_TIMEOUT": "10",
    "QIYOU_MAX_MESSAGE_SIZE": "200K",
    "QIYOU_HOSTNAME": HOSTNAME,
    "QIYOU_DNS_TIMEOUT": "1",
}
ADMINS = """
from mailcore.admin.roles import grant
from mailcore.admin.scope import system_scope
from mailcore.core.models import Department
from mailcore.org.service import add_member

for email, permission in args["admins"]:
    member = await add_member(email, args["password"], quota=10**8)
    root = await Department.get(enterprise_id=member.enterprise_id, parent_id=None)
    await grant(system_scope(member.enterprise_id), member, permissions=[permission],
                department_ids=[root.id])
return True
"""
ERROR = "... on MailMigrationError { code field message }"
FROM_FILE = f"""
mutation F($source: String!, $file: Upload!) {{
  startMailMigrationFromFile(source: $source, file: $file) {{
    __typename ... on MailMigration {{ id state runs runStartedAt members {{ oldAddress }} }}
    {ERROR}
  }}
}}"""
CUTOVER = "{ mailMigrationCutover { mustChangePassword items { key state done total pending } } }"
ONE = """
query O($id: ID!) {
  mailMigration(id: $id) { id state runs runStartedAt members { oldAddress stored refused } }
}"""
RESUME = f"""
mutation R($id: ID!) {{
  resumeMailMigration(id: $id) {{ __typename ... on MailMigration {{ state runs }} {ERROR} }}
}}"""
FORCE = f"""
mutation P($id: ID!) {{
  forceMailMigrationPasswordChange(id: $id) {{
    __typename ... on MailMigrationPasswordsForced {{ members }} {ERROR}
  }}
}}"""
VERIFY = 'mutation { verifyDomain(domain: "example.com") { __typename } }'
LOGIN = """
mutation L($e: String!, $p: String!) {
  login(email: $e, password: $p) { __typename ... on LoginSuccess { token mustChangePassword } }
}"""


def mail(subject: str, size: int = 0) -> bytes:
    body = "x" * size if size else f"body of {subject}"
    return (
        f"From: Old <old@old.example>\r\nTo: me@old.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '.')}@old.example>\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    need_dovecot()
    with Dovecot() as server:
        for backend in ("sqlite", "postgres"):
            for user in ("cuta", "cutb"):
                server.add_user(f"{user}-{backend}@old.example", "old-secret")
        server.start()
        yield server


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    server = DnsServer().start()
    yield server
    server.stop()


async def upload(client: GraphQLClient, source: str, csv: str) -> dict:
    """The mutation as a browser sends it: a GraphQL multipart request with the file."""
    operations = {"query": FROM_FILE, "variables": {"source": source, "file": None}}
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.post(
            client.url,
            data={"operations": json.dumps(operations), "map": '{"0": ["variables.file"]}'},
            files={"0": ("members.csv", csv.encode(), "text/csv")},
            headers=client.headers(),
        )
    return response.json()


async def checklist(client: GraphQLClient) -> tuple[dict[str, dict], int]:
    got = (await client.data(CUTOVER))["mailMigrationCutover"]
    return {i["key"]: i for i in got["items"]}, got["mustChangePassword"]


async def ended(client: GraphQLClient, migration_id: str) -> dict:
    for _ in range(1200):
        found = (await client.data(ONE, id=migration_id))["mailMigration"]
        if found["state"] in ("DONE", "FAILED"):
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"migration {migration_id} did not end: {found}")


def imap_login(srv: Server, email: str, password: str) -> str:
    with imaplib.IMAP4_SSL("127.0.0.1", srv.imaps_port, ssl_context=client_tls()) as imap:
        try:
            return imap.login(email, password)[0]
        except imaplib.IMAP4.error as exc:
            return f"NO {exc}"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_cutover_from_the_admin_console(backend, dovecot, dns, tmp_path_factory):
    cuta, cutb = f"cuta-{backend}@old.example", f"cutb-{backend}@old.example"
    for n in range(5):
        dovecot.put(cuta, mail(f"cut a {n}"))
    for n in range(3):
        dovecot.put(cutb, mail(f"cut b {n}"), folder="Work")
    dovecot.put(cutb, mail("cut b huge", size=300_000))
    source = f"imap://127.0.0.1:{dovecot.imap_port}"
    csv = (
        "old address,old password,new address\n"
        f"{cuta},old-secret,alice@example.com\n"
        f"{cutb},old-secret,bob@example.com\n"
    )
    admins = [("movers@example.com", "members"), ("dnsonly@example.com", "domains")]

    def add_admins(srv: Server) -> None:
        srv.mailcore(ADMINS, admins=admins, password=PASSWORD)

    env = {**ENV, "QIYOU_DNS_SERVERS": dns.address}
    data_dir = tmp_path_factory.mktemp(f"cutover-{backend}")
    with private_server(backend, data_dir, env, before_start=add_admins) as srv:
        admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
        movers = await login(srv.graphql_url, "movers@example.com", PASSWORD)
        dnsonly = await login(srv.graphql_url, "dnsonly@example.com", PASSWORD)
        carol = await login(srv.graphql_url, "carol@example.com", PASSWORD)

        # Before anything: nothing migrated, the MX never checked.
        items, forced = await checklist(admin)
        assert [*items] == [
            "DOMAINS_VERIFIED",
            "MEMBERS_IMPORTED",
            "MIGRATION_COMPLETE",
            "INCREMENTAL_RUN",
            "MX_SWITCHED",
            "CLIENTS_RECONFIGURED",
        ]
        assert items["MIGRATION_COMPLETE"] == {
            "key": "MIGRATION_COMPLETE",
            "state": "TODO",
            "done": 0,
            "total": 0,
            "pending": [],
        }
        assert items["MEMBERS_IMPORTED"]["state"] == "TODO"
        assert items["MX_SWITCHED"]["state"] == "UNKNOWN" and forced == 0
        assert items["DOMAINS_VERIFIED"]["state"] == "TODO"

        # Who may not: a plain member, an administrator without the members permission.
        for name, query in (("cutover", CUTOVER),):
            refused = await carol.execute(query)
            assert refused["data"] is None and "administrator" in refused["errors"][0]["message"]
            lacking = await dnsonly.execute(query)
            assert lacking["errors"][0]["extensions"]["code"] == "FORBIDDEN", (name, lacking)
        assert "errors" in await upload(carol, source, csv)
        denied = (await upload(dnsonly, source, csv))["data"]["startMailMigrationFromFile"]
        assert denied["code"] == "FORBIDDEN", denied
        bad = (await upload(admin, source, f"{cuta},alice@example.com\n"))["data"]
        assert (
            bad["startMailMigrationFromFile"]["code"],
            bad["startMailMigrationFromFile"]["field"],
        ) == ("INVALID", "members"), bad
        # An admin with members but not domains sees the domain items as unknown.
        items, _ = await checklist(movers)
        assert items["DOMAINS_VERIFIED"]["state"] == items["MX_SWITCHED"]["state"] == "UNKNOWN"

        # Started from the file (as the console uploads it); ends with bob's big mail refused.
        body = await upload(admin, source, csv)
        made = body["data"]["startMailMigrationFromFile"]
        assert made["__typename"] == "MailMigration" and made["runs"] == 1, body
        olds = [m["oldAddress"] for m in made["members"]]
        assert olds == [cuta, cutb], olds
        first = await ended(admin, made["id"])
        rows = {r["oldAddress"]: r for r in first["members"]}
        assert (rows[cuta]["stored"], rows[cutb]["refused"]) == (5, 1)
        items, _ = await checklist(admin)
        assert items["MIGRATION_COMPLETE"] == {
            "key": "MIGRATION_COMPLETE",
            "state": "TODO",
            "done": 1,
            "total": 2,
            "pending": [cutb],
        }
        assert items["INCREMENTAL_RUN"]["state"] == "TODO"
        assert items["INCREMENTAL_RUN"]["pending"] == [f"#{made['id']}"]
        imported = items["MEMBERS_IMPORTED"]
        assert imported["state"] == "DONE" and imported["done"] == 2, imported
        assert "carol@example.com" in imported["pending"]
        signed = items["CLIENTS_RECONFIGURED"]
        assert (signed["state"], signed["done"], signed["total"]) == ("TODO", 0, 2), signed

        # The cut-over day: new mail, the incremental run takes it and counts as a run.
        dovecot.put(cuta, mail("cut a late"))
        resumed = (await admin.data(RESUME, id=made["id"]))["resumeMailMigration"]
        assert resumed == {"__typename": "MailMigration", "state": "RUNNING", "runs": 2}
        second = await ended(admin, made["id"])
        assert second["runs"] == 2 and second["runStartedAt"] > first["runStartedAt"], second
        assert {r["oldAddress"]: r["stored"] for r in second["members"]}[cuta] == 6
        items, _ = await checklist(admin)
        assert items["INCREMENTAL_RUN"]["state"] == "DONE", items["INCREMENTAL_RUN"]
        # the refusal stays a refusal: not complete
        assert items["MIGRATION_COMPLETE"]["state"] == "TODO"

        # MX: pointing elsewhere is to do; pointing here (seen by a DNS check) is done.
        dns.set("example.com", "MX", ["10 mx.old.example."])
        assert (await admin.data(VERIFY))["verifyDomain"]["__typename"] == "DomainVerification"
        items, _ = await checklist(admin)
        assert items["MX_SWITCHED"]["state"] == "TODO"
        assert "example.com" in items["MX_SWITCHED"]["pending"]
        dns.set("example.com", "MX", [f"10 {HOSTNAME}."])
        await admin.data(VERIFY)
        items, _ = await checklist(admin)
        assert "example.com" not in items["MX_SWITCHED"]["pending"], items["MX_SWITCHED"]
        assert items["MX_SWITCHED"]["done"] >= 1

        # A member who signs in counts as reconfigured.
        await login(srv.graphql_url, "alice@example.com", PASSWORD)
        items, _ = await checklist(admin)
        signed = items["CLIENTS_RECONFIGURED"]
        assert (signed["done"], signed["pending"]) == (1, ["bob@example.com"]), signed

        # Forcing a new password: refused to a plain member and to an admin without members.
        refused = await carol.execute(FORCE, id=made["id"])
        assert refused["data"] is None, refused
        denied = (await dnsonly.data(FORCE, id=made["id"]))["forceMailMigrationPasswordChange"]
        assert denied["code"] == "FORBIDDEN", denied
        assert imap_login(srv, "bob@example.com", PASSWORD) == "OK"
        forced = (await admin.data(FORCE, id=made["id"]))["forceMailMigrationPasswordChange"]
        assert forced == {"__typename": "MailMigrationPasswordsForced", "members": 2}
        _, must_change = await checklist(admin)
        assert must_change == 2
        signed_in = (await admin.data(LOGIN, e="bob@example.com", p=PASSWORD))["login"]
        assert signed_in["mustChangePassword"] is True, signed_in
        bob = GraphQLClient(srv.graphql_url, signed_in["token"])
        blocked = await bob.execute("{ folders { name } }")
        assert blocked["errors"][0]["extensions"]["code"] == "PASSWORD_CHANGE_REQUIRED", blocked
        assert imap_login(srv, "bob@example.com", PASSWORD).startswith("NO"), "IMAP let bob in"
