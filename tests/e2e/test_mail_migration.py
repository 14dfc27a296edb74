"""Mail migration over the wire (A5, issue 21 item 3), against a real Dovecot.

Given two old mailboxes on Dovecot (Inbox, 已发送, 草稿箱, nested and Chinese folders, flags,
one mail above the size limit) and a running server (each backend), when an administrator
starts a migration through GraphQL, then it ends DONE with each member's counts equal to
the old server's, the big mail refused with its reason, flags and INTERNALDATE kept, and the
folders mapped (已发送 to Sent, 草稿箱 to Drafts, the others made with their hierarchy).
Started again with the same server it stores nothing new; resumed after new mail arrived it
takes only that. A plain member may not start one. Killed (SIGKILL) in the middle of a
migration of 300 mails (paused and resumed before) and started again, the server ends with
each mail exactly once, the progress subscription showing it go on to DONE. Over POP3 the
Inbox moves; a wrong old password fails that member's row (LOGIN_FAILED) and the migration,
not the others. The ``qiyou migration`` commands start one from a CSV file and wait for it,
exiting 0 only when nothing was left out; with ``--master-user`` the old server's master
user logs in as each member (no member passwords), a wrong master password fails them.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mailcore.protocols.imap.utf7 import encode
from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, Subscription, login
from tests.e2e.dovecot import Dovecot, need_dovecot
from tests.e2e.server import PASSWORD

ENV = {
    "QIYOU_FETCH_PRIVATE_HOSTS": "1",  # Dovecot listens on loopback
    "QIYOU_FETCH_TIMEOUT": "10",
    "QIYOU_MAX_MESSAGE_SIZE": "200K",
    "QIYOU_FETCH_LEASE": "3",  # a killed server's rows are free again 3 s later
}
OLD_DATE = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)  # the old server's INTERNALDATE
SENT, DRAFTS = encode("已发送"), encode("草稿箱")
PROJECT = f"{encode('项目')}.{encode('二〇二六')}"
# old folder -> (how many, flags of the n-th mail)
LAYOUT = {
    "": (20, lambda n: ("S" if n % 3 == 0 else "") + ("F" if n % 5 == 0 else "")),
    SENT: (8, lambda n: "S"),
    DRAFTS: (3, lambda n: "D"),
    PROJECT: (10, lambda n: "RS" if n % 2 else ""),
    "Clients.ACME": (5, lambda n: ""),
}
# our folder -> old folder
MAPPED = {
    "INBOX": "",
    "sent": SENT,
    "drafts": DRAFTS,
    "项目/二〇二六": PROJECT,
    "Clients/ACME": "Clients.ACME",
}
MEMBER = """
id oldAddress newAddress state foldersTotal foldersDone messagesTotal messagesDone bytesTotal
bytesDone stored refused lastError
report { folders { name local old new duplicates refused error } refusals { folder reason } }
"""
MIGRATION = f"""
id source state createdBy messagesTotal messagesDone stored refused membersFinished rate
etaSeconds complete members {{ {MEMBER} }}
"""
ERROR = "... on MailMigrationError { code field message }"
START = f"""
mutation S($source: String!, $members: [MailMigrationMemberInput!]!) {{
  startMailMigration(source: $source, members: $members) {{
    __typename ... on MailMigration {{ {MIGRATION} }} {ERROR}
  }}
}}"""
RESUME = f"""
mutation R($id: ID!) {{
  resumeMailMigration(id: $id) {{ __typename ... on MailMigration {{ id state }} {ERROR} }}
}}"""
PAUSE = f"""
mutation P($id: ID!) {{
  pauseMailMigration(id: $id) {{ __typename ... on MailMigration {{ id state }} {ERROR} }}
}}"""
ONE = f"query O($id: ID!) {{ mailMigration(id: $id) {{ {MIGRATION} }} }}"
ALL = "query { mailMigrations { id state } }"
PROGRESS = 'subscription { mailMigrationProgress(id: "%s") { state messagesDone stored } }'
MESSAGES = """
query M($folder: String!, $after: String) {
  messages(folder: $folder, first: 100, after: $after) {
    edges { node { subject seen flagged answered receivedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def mail(subject: str, size: int = 0) -> bytes:
    body = "x" * size if size else f"body of {subject}"
    return (
        f"From: Old <old@old.example>\r\nTo: me@old.example\r\nSubject: {subject}\r\n"
        f"Date: Mon, 07 Dec 2026 08:00:00 +0000\r\n"
        f"Message-ID: <{subject.replace(' ', '.')}@old.example>\r\n\r\n{body}\r\n"
    ).encode()


def fill(dovecot: Dovecot, user: str) -> dict[str, set[str]]:
    """The layout into the user's old mailbox, plus one mail above the limit; returns the
    subjects per old folder (the big one left out)."""
    subjects: dict[str, set[str]] = {}
    for folder, (count, flags) in LAYOUT.items():
        for n in range(count):
            subject = f"{user} {folder or 'INBOX'} {n}"
            path = dovecot.put(user, mail(subject), folder=folder, flags=flags(n))
            os.utime(path, (OLD_DATE.timestamp(), OLD_DATE.timestamp()))
            subjects.setdefault(folder, set()).add(subject)
    dovecot.put(user, mail(f"{user} huge", size=300_000))
    return subjects


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    need_dovecot()
    with Dovecot() as server:
        for backend in ("sqlite", "postgres"):
            for user in ("olda", "oldb", "oldk", "oldc", "oldp", "oldw"):
                server.add_user(f"{user}-{backend}@old.example", "old-secret")
        server.start()
        yield server


def source(dovecot: Dovecot) -> str:
    return f"imap://127.0.0.1:{dovecot.imap_port}"


async def start(client: GraphQLClient, dovecot: Dovecot, pairs: list[tuple[str, str]]) -> dict:
    members = [{"oldAddress": o, "oldPassword": "old-secret", "newAddress": n} for o, n in pairs]
    data = await client.data(START, source=source(dovecot), members=members)
    return data["startMailMigration"]


async def ended(client: GraphQLClient, migration_id: str, seconds: float = 120) -> dict:
    """Wait until the migration is DONE or FAILED."""
    for _ in range(int(seconds * 10)):
        migration = (await client.data(ONE, id=migration_id))["mailMigration"]
        if migration["state"] in ("DONE", "FAILED"):
            return migration
        await asyncio.sleep(0.1)
    raise AssertionError(f"migration {migration_id} did not end: {migration}")


async def folder_messages(client: GraphQLClient, folder: str) -> list[dict]:
    got, after = [], None
    while True:
        page = (await client.data(MESSAGES, folder=folder, after=after))["messages"]
        got.extend(e["node"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return got
        after = page["pageInfo"]["endCursor"]


def check_member(row: dict, user: str) -> None:
    total = sum(count for count, _ in LAYOUT.values()) + 1
    assert row["state"] == "DONE" and row["lastError"] is None, row
    assert (row["messagesTotal"], row["messagesDone"]) == (total, total), row
    assert (row["stored"], row["refused"]) == (total - 1, 1), row
    assert row["foldersTotal"] == row["foldersDone"] == len(LAYOUT), row
    assert row["bytesDone"] == row["bytesTotal"] > 300_000, row
    folders = {f["name"]: f for f in row["report"]["folders"]}
    assert set(folders) == {"INBOX", "已发送", "草稿箱", "项目.二〇二六", "Clients.ACME"}
    for old, (count, _) in LAYOUT.items():
        decoded = {"": "INBOX", SENT: "已发送", DRAFTS: "草稿箱", PROJECT: "项目.二〇二六"}
        entry = folders[decoded.get(old, old)]
        big = 1 if old == "" else 0
        assert (entry["old"], entry["new"], entry["refused"]) == (count + big, count, big), entry
        assert entry["error"] is None and entry["duplicates"] == 0, entry
    assert folders["已发送"]["local"] == "Sent" and folders["草稿箱"]["local"] == "Drafts"
    [refusal] = row["report"]["refusals"]
    assert refusal["folder"] == "INBOX" and "larger than" in refusal["reason"], refusal


async def check_mailbox(client: GraphQLClient, user: str, subjects: dict[str, set[str]]) -> None:
    for ours, old in MAPPED.items():
        got = await folder_messages(client, ours)
        assert Counter(m["subject"] for m in got) == Counter(subjects[old]), ours
        count, flags = LAYOUT[old]
        for m in got:
            n = int(m["subject"].rsplit(" ", 1)[1])
            assert m["seen"] == ("S" in flags(n)), m
            assert m["flagged"] == ("F" in flags(n)), m
            assert m["answered"] == ("R" in flags(n)), m
            assert m["receivedAt"].startswith("2020-01-02T03:04:05"), m  # INTERNALDATE


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migrating_two_members(backend, dovecot, tmp_path_factory):
    olda, oldb = f"olda-{backend}@old.example", f"oldb-{backend}@old.example"
    subjects = {olda: fill(dovecot, olda), oldb: fill(dovecot, oldb)}
    with private_server(backend, tmp_path_factory.mktemp(f"migr-{backend}"), ENV) as srv:
        admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
        alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
        bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
        pairs = [(olda, "alice@example.com"), (oldb, "bob@example.com")]

        # A plain member may not; bad input is typed; a stranger's address is refused.
        refused = await bob.execute(START, source=source(dovecot), members=[])
        assert "administrator" in refused["errors"][0]["message"], refused
        assert refused["data"] is None or not refused["data"].get("startMailMigration")
        outsider = await start(admin, dovecot, [(olda, "olga@other.org")])
        assert (outsider["code"], outsider["field"]) == ("INVALID", "members.0.newAddress")
        bad = (await admin.data(START, source="ftp://old", members=[]))["startMailMigration"]
        assert (bad["code"], bad["field"]) == ("INVALID", "source")
        assert (await admin.data(ALL))["mailMigrations"] == []

        made = await start(admin, dovecot, pairs)
        assert made["__typename"] == "MailMigration", made
        assert made["source"] == source(dovecot) and made["createdBy"] == "admin@example.com"
        migration = await ended(admin, made["id"])
        assert migration["state"] == "DONE" and not migration["complete"], migration  # 2 refused
        rows = {r["oldAddress"]: r for r in migration["members"]}
        check_member(rows[olda], olda)
        check_member(rows[oldb], oldb)
        assert migration["stored"] == 2 * (sum(c for c, _ in LAYOUT.values()))
        await check_mailbox(alice, olda, subjects[olda])
        await check_mailbox(bob, oldb, subjects[oldb])
        assert "huge" not in {m["subject"] for m in await folder_messages(alice, "INBOX")}

        # Started again with the same server: the same migration, nothing stored twice.
        again = await start(admin, dovecot, pairs)
        assert again["id"] == made["id"], again
        migration = await ended(admin, made["id"])
        assert migration["stored"] == 2 * (sum(c for c, _ in LAYOUT.values())), migration
        await check_mailbox(alice, olda, subjects[olda])

        # The cut-over day: new mail on the old server, resumed: only that is taken.
        dovecot.put(olda, mail(f"{olda} late"), folder="Clients.ACME")
        resumed = (await admin.data(RESUME, id=made["id"]))["resumeMailMigration"]
        assert resumed["state"] == "RUNNING", resumed
        migration = await ended(admin, made["id"])
        rows = {r["oldAddress"]: r for r in migration["members"]}
        assert rows[olda]["stored"] == sum(c for c, _ in LAYOUT.values()) + 1, rows[olda]
        acme = Counter(m["subject"] for m in await folder_messages(alice, "Clients/ACME"))
        assert acme == Counter(subjects[olda]["Clients.ACME"] | {f"{olda} late"})
        # Pausing an ended migration is a conflict; another company sees nothing of it.
        paused = (await admin.data(PAUSE, id=made["id"]))["pauseMailMigration"]
        assert paused["code"] == "CONFLICT", paused
        oscar = await login(srv.graphql_url, "oscar@other.org", PASSWORD)
        assert (await oscar.data(ONE, id=made["id"]))["mailMigration"] is None
        assert (await oscar.data(PAUSE, id=made["id"]))["pauseMailMigration"]["code"] == (
            "NOT_FOUND"
        )


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_server_killed_mid_migration_stores_each_mail_once(
    backend, dovecot, tmp_path_factory
):
    user, total = f"oldk-{backend}@old.example", 300
    for n in range(total):
        dovecot.put(user, mail(f"old {n}", size=2000), folder="" if n % 2 else "Projects.2019")
    with private_server(backend, tmp_path_factory.mktemp(f"migr-kill-{backend}"), ENV) as srv:
        admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
        made = await start(admin, dovecot, [(user, "alice@example.com")])
        assert made["__typename"] == "MailMigration", made
        for _ in range(600):  # killed as soon as the migration has begun storing
            if int(srv.sql("SELECT count(*) FROM migration_message") or 0) > 0:
                break
            await asyncio.sleep(0.05)

        # Paused: the worker stops after the message it is storing and lets the row go.
        paused = (await admin.data(PAUSE, id=made["id"]))["pauseMailMigration"]
        assert paused["state"] == "PAUSED", paused
        for _ in range(300):
            if srv.sql("SELECT lease_until FROM migration_member") == "0":
                break
            await asyncio.sleep(0.05)
        stopped = int(srv.sql("SELECT count(*) FROM migration_message"))
        [row] = (await admin.data(ONE, id=made["id"]))["mailMigration"]["members"]
        assert row["state"] == "PAUSED" and row["stored"] == stopped < total, (row, stopped)
        resumed = (await admin.data(RESUME, id=made["id"]))["resumeMailMigration"]
        assert resumed["state"] == "RUNNING", resumed
        for _ in range(600):  # going on from where it stopped
            if int(srv.sql("SELECT count(*) FROM migration_message")) > stopped:
                break
            await asyncio.sleep(0.05)
        assert srv.process is not None
        srv.process.kill()
        srv.process.wait()
        srv.log.close()
        before = int(srv.sql("SELECT count(*) FROM migration_message"))
        assert 0 < before < total, before  # killed in the middle
        # the counters change in each message's own transaction: exact even after a SIGKILL
        assert int(srv.sql("SELECT messages_done FROM migration_member")) == before
        assert int(srv.sql("SELECT stored FROM migration_member")) == before
        srv.start()
        # Watched live: progress from where it stopped, until DONE.
        seen = []
        async with Subscription(srv.ws_url, admin.token, PROGRESS % made["id"]) as progress:
            while not seen or seen[-1]["state"] == "RUNNING":
                seen.append((await progress.next(timeout=60))["mailMigrationProgress"])
        assert seen[0]["messagesDone"] >= before and seen[-1]["state"] == "DONE", seen
        done = [s["messagesDone"] for s in seen]
        assert done == sorted(done) and len(seen) >= 2, done
        migration = await ended(admin, made["id"])
        [row] = migration["members"]
        assert row["state"] == "DONE" and migration["complete"], migration
        assert (row["messagesTotal"], row["stored"], row["refused"]) == (total, total, 0), row
        assert int(srv.sql("SELECT count(*) FROM migration_message")) == total
        alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
        got = Counter(m["subject"] for m in await folder_messages(alice, "INBOX"))
        got.update(m["subject"] for m in await folder_messages(alice, "Projects/2019"))
        assert len(got) == total and set(got.values()) == {1}, got.most_common(3)


@pytest.mark.parametrize("backend", BACKENDS[:1])
async def test_the_migration_commands(backend, dovecot, tmp_path_factory):
    user = f"oldc-{backend}@old.example"
    for n in range(12):
        dovecot.put(user, mail(f"cli {n}"))
    for n in range(3):
        dovecot.put(user, mail(f"cli deleted {n}"), folder=encode("已删除"), flags="S")
    members = tmp_path_factory.mktemp("csv") / "members.csv"
    members.write_text(f"old address,old password,new address\n{user},old-secret,bob@example.com\n")
    with private_server(backend, tmp_path_factory.mktemp(f"migr-cli-{backend}"), ENV) as srv:
        started = srv.cli(
            "migration", "start", "--source", source(dovecot), "--members", str(members), "--wait"
        )
        assert "DONE" in started.stdout and "15/15 messages" in started.stdout, started.stdout
        status = srv.cli("migration", "status").stdout
        assert f"{user} -> bob@example.com: DONE 15/15 messages, stored 15, refused 0" in status
        bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
        trash = Counter(m["subject"] for m in await folder_messages(bob, "trash"))
        assert trash == Counter(f"cli deleted {n}" for n in range(3))

        # New mail, one of it too big: resumed, it ends with a refusal, so exit 1.
        dovecot.put(user, mail("cli late"))
        dovecot.put(user, mail("cli huge", size=300_000))
        migration_id = status.split()[0].lstrip("#")
        srv.cli("migration", "resume", migration_id)
        waited = srv.cli("migration", "status", "--wait", check=False)
        assert waited.returncode == 1, waited
        assert "stored 16, refused 1" in waited.stdout, waited.stdout
        assert "cli late" in {m["subject"] for m in await folder_messages(bob, "INBOX")}
        bad = srv.cli(
            "migration", "start", "--source", "ftp://x", "--members", str(members), check=False
        )
        assert bad.returncode == 1 and "source" in bad.stderr, bad


@pytest.mark.parametrize("backend", BACKENDS[:1])
async def test_pop3_and_a_wrong_password(backend, dovecot, tmp_path_factory):
    good, wrong = f"oldp-{backend}@old.example", f"oldw-{backend}@old.example"
    for n in range(6):
        dovecot.put(good, mail(f"pop {n}"), flags="S" if n % 2 else "")
    with private_server(backend, tmp_path_factory.mktemp(f"migr-pop-{backend}"), ENV) as srv:
        admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
        members = [
            {"oldAddress": good, "oldPassword": "old-secret", "newAddress": "bob@example.com"},
            {"oldAddress": wrong, "oldPassword": "not-it", "newAddress": "carol@example.com"},
        ]
        pop3 = f"pop3://127.0.0.1:{dovecot.pop3_port}"
        made = (await admin.data(START, source=pop3, members=members))["startMailMigration"]
        assert made["__typename"] == "MailMigration" and made["source"] == pop3, made
        migration = await ended(admin, made["id"])
        assert migration["state"] == "FAILED" and not migration["complete"], migration
        rows = {r["oldAddress"]: r for r in migration["members"]}
        assert rows[good]["state"] == "DONE" and rows[good]["stored"] == 6, rows[good]
        assert rows[good]["report"]["folders"] == [
            {
                "name": "",
                "local": "Inbox",
                "old": 6,
                "new": 6,
                "duplicates": 0,
                "refused": 0,
                "error": None,
            }
        ]
        assert rows[wrong]["state"] == "FAILED", rows[wrong]
        assert rows[wrong]["lastError"].startswith("LOGIN_FAILED"), rows[wrong]
        bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
        inbox = {m["subject"]: m["seen"] for m in await folder_messages(bob, "INBOX")}
        assert {k: v for k, v in inbox.items() if k.startswith("pop ")} == {
            f"pop {n}": False
            for n in range(6)  # POP3 has no flags
        }
        assert dovecot.count(good) == 6  # nothing changed on the old server


class MasterDovecot(Dovecot):
    """Dovecot with a master user (``migrator``) who may log in as any user (SASL PLAIN
    with the user as authorization identity)."""

    def _write_config(self):
        config = super()._write_config()
        (self.root / "masters").write_text("migrator:{PLAIN}master-secret\n")
        block = (
            "passdb {\n  driver = passwd-file\n  master = yes\n"
            f"  args = scheme=PLAIN {self.root}/masters\n  pass = yes\n}}\n"
        )
        config.write_text(config.read_text().replace("passdb {", block + "passdb {", 1))
        return config


@pytest.mark.parametrize("backend", BACKENDS[:1])
async def test_a_master_user_logs_in_as_each_member(backend, tmp_path_factory):
    need_dovecot()
    members = tmp_path_factory.mktemp("csv") / "members.csv"
    members.write_text("old@old.example,,alice@example.com\nold2@old.example,,bob@example.com\n")
    with MasterDovecot() as old:
        for user in ("old@old.example", "old2@old.example"):
            old.add_user(user, "nobody-knows-this")
        for n in range(4):
            old.put("old@old.example", mail(f"master {n}"))
            old.put("old2@old.example", mail(f"master2 {n}"), folder="Work")
        old.start()
        source = f"imap://127.0.0.1:{old.imap_port}"
        with private_server(backend, tmp_path_factory.mktemp(f"migr-master-{backend}"), ENV) as srv:
            no_password = srv.cli(
                "migration", "start", "--source", source, "--members", str(members), check=False
            )
            assert no_password.returncode == 1 and "oldPassword" in no_password.stderr
            started = srv.cli(
                "migration",
                "start",
                "--source",
                source,
                "--members",
                str(members),
                "--master-user",
                "migrator",
                "--master-password",
                "master-secret",
                "--wait",
            )
            assert "DONE" in started.stdout and "8/8 messages" in started.stdout, started.stdout
            admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
            [made] = (await admin.data("{ mailMigrations { id masterUser } }"))["mailMigrations"]
            assert made["masterUser"] == "migrator"
            bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
            work = Counter(m["subject"] for m in await folder_messages(bob, "Work"))
            assert work == Counter(f"master2 {n}" for n in range(4))

            # A wrong master password: both members fail at login, nothing is stored.
            wrong = srv.cli(
                "migration",
                "start",
                "--source",
                source,
                "--members",
                str(members),
                "--master-user",
                "migrator",
                "--master-password",
                "wrong",
                "--wait",
                check=False,
            )
            assert wrong.returncode == 1 and wrong.stdout.count("LOGIN_FAILED") == 2, wrong
