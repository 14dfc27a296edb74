"""External mailboxes over the wire (U11, issue 21 item 1), against a real Dovecot.

Given a member of a running server (each backend) and accounts on Dovecot, when the member
adds an IMAP or POP3 account through GraphQL, then the server fetches it: mail appears in
the target folder with \\Seen and \\Flagged kept, a second fetch takes nothing, new mail is
taken next time, a duplicate Message-ID and a mail above the size limit are not stored, a
POP3 account not leaving mail on the server empties it, mirrored IMAP folders (nested,
Chinese) are made and emptied on the server, and after the server is stopped and started
again, or killed in the middle of a fetch of 300 mails, nothing is fetched twice (two claims
at once share the due accounts out, each once). A wrong password is refused at add time;
a password changed later shows as the account's error; another member's or company's
account is NOT_FOUND.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest

from mailcore.protocols.imap.utf7 import encode
from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, login
from tests.e2e.dovecot import Dovecot, need_dovecot
from tests.e2e.server import PASSWORD

ENV = {
    "QIYOU_FETCH_PRIVATE_HOSTS": "1",  # Dovecot listens on loopback
    "QIYOU_FETCH_INTERVAL": "3600",  # fetches happen when the tests ask
    "QIYOU_FETCH_TIMEOUT": "10",
    "QIYOU_MAX_MESSAGE_SIZE": "200K",
    "QIYOU_FETCH_LEASE": "3",  # a killed server's accounts are free again 3 s later
}
LEASES = """
from mailcore.fetch.worker import claim, renew
await ExternalAccount.all().update(next_attempt_at=0, lease_until=0)
first, second = await asyncio.gather(claim(10, 60), claim(10, 60))
third = await claim(10, 60)
account_id, token = (first + second)[0]
stolen = await renew(account_id, token + 1, 60)
kept = await renew(account_id, token, 60)
await ExternalAccount.all().update(lease_until=0)
return {
    "claimed": sorted(i for i, _ in first + second),
    "all": sorted(await ExternalAccount.all().values_list("id", flat=True)),
    "third": len(third), "stolen": stolen, "kept": kept is not None,
}
"""
ACCOUNT = """
id protocol host port security username hasPassword folderId mirrorFolders leaveOnServer
enabled lastSuccessAt lastError failures nextFetchAt fetchedCount
"""
ERROR = "... on ExternalAccountError { code field message }"
ADD = f"""
mutation A($input: AddExternalAccountInput!) {{
  addExternalAccount(input: $input) {{ __typename ... on ExternalAccount {{ {ACCOUNT} }} {ERROR} }}
}}"""
UPDATE = f"""
mutation U($id: ID!, $input: UpdateExternalAccountInput!) {{
  updateExternalAccount(id: $id, input: $input) {{
    __typename ... on ExternalAccount {{ {ACCOUNT} }} {ERROR}
  }}
}}"""
FETCH = f"""
mutation F($id: ID!) {{
  fetchExternalAccount(id: $id) {{ __typename ... on ExternalAccount {{ id }} {ERROR} }}
}}"""
DELETE = f"""
mutation D($id: ID!) {{
  deleteExternalAccount(id: $id) {{ __typename ... on ExternalAccountDeleted {{ id }} {ERROR} }}
}}"""
ACCOUNTS = f"query {{ externalAccounts {{ {ACCOUNT} }} }}"
PRESETS = "query { externalAccountPresets { key host port protocol security } }"
MESSAGES = """
query M($folder: String!) {
  messages(folder: $folder, first: 100) { edges { node { subject seen flagged } } }
}"""
NEW_FOLDER = """
mutation N($name: String!) {
  createFolder(name: $name) { __typename ... on FolderPayload { folder { id } } }
}"""


def mail(subject: str, *, message_id: str | None = None, size: int = 0) -> bytes:
    mid = message_id or f"<{subject.replace(' ', '.')}@old.example>"
    body = "x" * size if size else f"body of {subject}"
    return (
        f"From: Old <old@old.example>\r\nTo: me@old.example\r\nSubject: {subject}\r\n"
        f"Date: Mon, 07 Dec 2026 08:00:00 +0000\r\nMessage-ID: {mid}\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    need_dovecot()
    with Dovecot() as server:
        for backend in ("sqlite", "postgres"):  # each backend's run has its own mailboxes
            for user in ("imap1", "pop1", "mirror1", "moved1", "other1"):
                server.add_user(f"{user}-{backend}", "right")
        server.start()
        yield server


def imap(server: Dovecot, user: str, password: str = "right", **more) -> dict:
    return {
        "protocol": "IMAP",
        "host": "127.0.0.1",
        "port": server.imap_port,
        "security": "NONE",
        "username": user,
        "password": password,
        **more,
    }


def pop3(server: Dovecot, user: str, **more) -> dict:
    return {**imap(server, user, **more), "protocol": "POP3", "port": server.pop3_port}


async def accounts(client: GraphQLClient) -> dict[str, dict]:
    return {a["id"]: a for a in (await client.data(ACCOUNTS))["externalAccounts"]}


async def add(client: GraphQLClient, **input) -> dict:
    return (await client.data(ADD, input=input))["addExternalAccount"]


async def fetched(client: GraphQLClient, account_id: str, after: str | None = None) -> dict:
    """Wait until the account's last fetch ended (well, or with an error) after ``after``."""
    for _ in range(300):
        account = (await accounts(client))[account_id]
        if (account["lastSuccessAt"] or "") > (after or "") or account["failures"]:
            return account
        await asyncio.sleep(0.1)
    raise AssertionError(f"no fetch of {account_id}: {account}")


async def fetch_now(client: GraphQLClient, account_id: str) -> dict:
    before = (await accounts(client))[account_id]["lastSuccessAt"]
    asked = (await client.data(FETCH, id=account_id))["fetchExternalAccount"]
    assert asked["__typename"] == "ExternalAccount", asked
    return await fetched(client, account_id, before)


async def messages(client: GraphQLClient, folder: str = "INBOX") -> list[dict]:
    data = await client.data(MESSAGES, folder=folder)
    return [e["node"] for e in data["messages"]["edges"]]


async def subjects(client: GraphQLClient, folder: str = "INBOX") -> Counter:
    return Counter(m["subject"] for m in await messages(client, folder))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_fetching_imap_and_pop3(backend, dovecot, tmp_path_factory):
    dovecot.put(f"imap1-{backend}", mail("first"), flags="S")
    dovecot.put(f"imap1-{backend}", mail("second"), flags="F")
    dovecot.put(f"imap1-{backend}", mail("second"))  # the same Message-ID again: stored once
    dovecot.put(f"imap1-{backend}", mail("huge", size=300_000))  # above the 200K limit: refused
    with private_server(backend, tmp_path_factory.mktemp(f"fetch-{backend}"), ENV) as srv:
        alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)

        # A wrong password is refused and nothing is saved.
        refused = await add(alice, **imap(dovecot, f"imap1-{backend}", "wrong"))
        assert refused["__typename"] == "ExternalAccountError", refused
        assert (refused["code"], refused["field"]) == ("LOGIN_FAILED", "password")
        assert await accounts(alice) == {}

        # Added: fetched at once into the Inbox, flags kept.
        made = await add(alice, **imap(dovecot, f"imap1-{backend}"))
        assert made["__typename"] == "ExternalAccount", made
        assert made["hasPassword"] and made["leaveOnServer"] and made["folderId"] is None
        account = await fetched(alice, made["id"])
        huge = "SKIPPED: 1 message(s) left on the server (INBOX"
        assert account["lastError"].startswith(huge) and account["fetchedCount"] == 2, account
        assert "larger than 204800 bytes" in account["lastError"] and not account["failures"]
        inbox = {m["subject"]: m for m in await messages(alice)}
        assert inbox["first"]["seen"] and not inbox["first"]["flagged"]
        assert inbox["second"]["flagged"] and not inbox["second"]["seen"]
        assert "huge" not in inbox
        outcomes = srv.sql(
            "SELECT string_agg(outcome, ',') FROM (SELECT outcome FROM external_fetched"
            f" WHERE account_id = {made['id']} ORDER BY outcome) o"
            if backend == "postgres"
            else "SELECT group_concat(outcome, ',') FROM (SELECT outcome FROM external_fetched"
            f" WHERE account_id = {made['id']} ORDER BY outcome)"
        )
        assert outcomes == "duplicate,refused,stored,stored"
        assert dovecot.count(f"imap1-{backend}") == 4  # left on the server

        # Again: nothing new. Then new mail is taken.
        account = await fetch_now(alice, made["id"])
        assert account["fetchedCount"] == 2 and account["lastError"].startswith(huge), account
        dovecot.put(f"imap1-{backend}", mail("third"))
        account = await fetch_now(alice, made["id"])
        assert account["fetchedCount"] == 3
        assert await subjects(alice) == Counter({"first": 1, "second": 1, "third": 1})

        # POP3 into a folder of the member's, deleting what was taken.
        dovecot.put(f"pop1-{backend}", mail("pop one"))
        dovecot.put(f"pop1-{backend}", mail("pop two"), flags="S")
        folder = (await alice.data(NEW_FOLDER, name="From POP"))["createFolder"]["folder"]["id"]
        made_pop = await add(
            alice, **pop3(dovecot, f"pop1-{backend}", folderId=folder, leaveOnServer=False)
        )
        assert made_pop["__typename"] == "ExternalAccount", made_pop
        account = await fetched(alice, made_pop["id"])
        assert account["lastError"] is None and account["fetchedCount"] == 2
        assert await subjects(alice, folder) == Counter({"pop one": 1, "pop two": 1})
        assert dovecot.count(f"pop1-{backend}") == 0

        # Mirrored folders: nested and Chinese ones under a folder named after the account;
        # taken off the server (IMAP \Deleted and EXPUNGE in each folder).
        deep = f"{encode('项目')}.{encode('二〇二六')}"
        dovecot.put(f"mirror1-{backend}", mail("top"))
        dovecot.put(f"mirror1-{backend}", mail("deep"), folder=deep)
        made_mirror = await add(
            alice, **imap(dovecot, f"mirror1-{backend}", mirrorFolders=True, leaveOnServer=False)
        )
        account = await fetched(alice, made_mirror["id"])
        assert account["lastError"] is None and account["fetchedCount"] == 2
        assert await subjects(alice, f"mirror1-{backend}") == Counter({"top": 1})
        assert await subjects(alice, f"mirror1-{backend}/项目/二〇二六") == Counter({"deep": 1})
        assert dovecot.count(f"mirror1-{backend}") == dovecot.count(f"mirror1-{backend}", deep) == 0

        # Stopped and started again: what was taken is not taken again. Meanwhile, two
        # claims at once share the due accounts out, each once; a lease not held is not renewed.
        srv.stop()
        leases = srv.mailcore(LEASES)
        assert leases["claimed"] == leases["all"] and len(leases["all"]) == 3
        assert leases["third"] == 0 and leases["stolen"] is None and leases["kept"]
        dovecot.put(f"imap1-{backend}", mail("fourth"))
        srv.start()
        for account_id in (made["id"], made_pop["id"], made_mirror["id"]):
            account = await fetch_now(alice, account_id)
            assert account["lastError"] is None or account_id == made["id"], account
            assert not account["failures"], account
        assert await subjects(alice) == Counter({"first": 1, "second": 1, "third": 1, "fourth": 1})
        assert sum((await subjects(alice, folder)).values()) == 2
        assert sum((await subjects(alice, f"mirror1-{backend}")).values()) == 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_accounts_are_their_members_and_errors_show(backend, dovecot, tmp_path_factory):
    dovecot.put(f"other1-{backend}", mail("private"))
    with private_server(backend, tmp_path_factory.mktemp(f"fetch-own-{backend}"), ENV) as srv:
        alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
        bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
        olga = await login(srv.graphql_url, "olga@other.org", PASSWORD)
        presets = (await alice.data(PRESETS))["externalAccountPresets"]
        assert {"imap.qq.com", "imap.163.com", "imap.gmail.com"} <= {p["host"] for p in presets}

        # Bad input: typed errors, nothing saved.
        bad_port = await add(alice, **imap(dovecot, f"other1-{backend}", port=0))
        assert (bad_port["code"], bad_port["field"]) == ("INVALID", "port")
        bad_host = await add(alice, **{**imap(dovecot, f"other1-{backend}"), "host": "bad host!"})
        assert (bad_host["code"], bad_host["field"]) == ("INVALID", "host")
        bob_folder = (await bob.data(NEW_FOLDER, name="Bobs"))["createFolder"]["folder"]["id"]
        theirs = await add(alice, **imap(dovecot, f"other1-{backend}", folderId=bob_folder))
        assert (theirs["code"], theirs["field"]) == ("NOT_FOUND", "folderId")
        greeting = await add(alice, **imap(dovecot, f"other1-{backend}", port=dovecot.pop3_port))
        assert greeting["code"] == "PROTOCOL", greeting  # a POP3 greeting to an IMAP client
        assert await accounts(alice) == {}

        made = await add(alice, **imap(dovecot, f"other1-{backend}"))
        assert made["__typename"] == "ExternalAccount", made
        await fetched(alice, made["id"])

        # Another member, or another company's member: NOT_FOUND, and nothing changes.
        for stranger in (bob, olga):
            assert await accounts(stranger) == {}
            for query, variables in (
                (UPDATE, {"id": made["id"], "input": {"enabled": False}}),
                (FETCH, {"id": made["id"]}),
                (DELETE, {"id": made["id"]}),
            ):
                answer = next(iter((await stranger.data(query, **variables)).values()))
                assert answer["code"] == "NOT_FOUND", answer
        assert (await accounts(alice))[made["id"]]["enabled"]
        assert (await alice.data(FETCH, id="999999999"))["fetchExternalAccount"]["code"] == (
            "NOT_FOUND"
        )

        # A wrong new password is refused and the account keeps working.
        wrong = await alice.data(UPDATE, id=made["id"], input={"password": "nope"})
        assert wrong["updateExternalAccount"]["code"] == "LOGIN_FAILED"
        assert (await fetch_now(alice, made["id"]))["lastError"] is None

        # The password changed on the other server: the error shows, retried with a backoff.
        dovecot._users[f"other1-{backend}"] = "changed"
        dovecot._write_config()
        await alice.data(FETCH, id=made["id"])
        account = await fetched(alice, made["id"], after="9999")  # waits for the error
        assert account["lastError"].startswith("LOGIN_FAILED") and account["failures"] == 1
        assert account["nextFetchAt"] > account["lastSuccessAt"]

        gone = (await alice.data(DELETE, id=made["id"]))["deleteExternalAccount"]
        assert gone == {"__typename": "ExternalAccountDeleted", "id": made["id"]}
        assert await accounts(alice) == {}
        assert await subjects(alice) >= Counter({"private": 1})  # fetched mail stays


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_server_killed_mid_fetch_takes_each_mail_once(backend, dovecot, tmp_path_factory):
    total = 300
    for n in range(total):
        dovecot.put(f"moved1-{backend}", mail(f"old {n}", size=2000))
    with private_server(backend, tmp_path_factory.mktemp(f"fetch-kill-{backend}"), ENV) as srv:
        alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
        made = await add(alice, **imap(dovecot, f"moved1-{backend}", mirrorFolders=False))
        for _ in range(300):  # killed as soon as the fetch has begun storing
            if any(s.startswith("old ") for s in await subjects(alice)):
                break
            await asyncio.sleep(0.05)
        assert srv.process is not None
        srv.process.kill()
        srv.process.wait()
        srv.log.close()
        stored_before = int(srv.sql("SELECT count(*) FROM external_fetched"))
        assert 0 < stored_before < total  # killed in the middle
        srv.start()
        account = await fetched(alice, made["id"])
        assert account["lastError"] is None, account
        got = await subjects_all(alice)
        assert len(got) == total and set(got.values()) == {1}, (stored_before, got.most_common(3))
        assert int(srv.sql("SELECT count(*) FROM external_fetched")) == total


async def subjects_all(client: GraphQLClient) -> Counter:
    """Every subject of the Inbox (pages of 100)."""
    query = """
    query M($after: String) {
      messages(folder: "INBOX", first: 100, after: $after) {
        edges { node { subject } } pageInfo { hasNextPage endCursor }
      }
    }"""
    got: Counter = Counter()
    after = None
    while True:
        page = (await client.data(query, after=after))["messages"]
        got.update(e["node"]["subject"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return got
        after = page["pageInfo"]["endCursor"]
