"""Bad input from a hostile or broken old server (issue 21, item 6), over the wire: a running
server migrates from, and fetches external accounts on, the loopback server of
``tests/e2e/hostile_mail_server.py`` (real IMAP4rev1 and POP3).

Given an old mailbox with a message the server stalls on, one it drops the connection in,
one announced as a {2000000000} literal (or sent without end over POP3), one larger than
``QIYOU_MAX_MESSAGE_SIZE`` whose listed size lies, one whose listed size tells the truth,
a UID/UIDL given to two messages, and folders named in invalid modified UTF-7, when a
migration (IMAP, POP3) or an external account fetch (IMAP with mirrored folders, POP3)
runs, then each bad message is refused with its reason in the member's report (the
account's error), each bad folder is reported and skipped, every good message is stored
once, the run ends within the timeouts of the settings, the client took no more of the
huge literal than socket buffers hold (it never read it), and a run again stores nothing
twice. A server with a wrong greeting fails the member's row (the migration ends FAILED)
and is refused when an account is added.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from mailcore.protocols.imap.utf7 import encode
from tests.conftest import BACKENDS, private_server
from tests.e2e.client import GraphQLClient, login
from tests.e2e.hostile_mail_server import Account, Folder, HostileServer, Message
from tests.e2e.server import PASSWORD
from tests.e2e.test_external_accounts import accounts, add, fetch_now, fetched
from tests.e2e.test_mail_migration import MIGRATION, RESUME, START, folder_messages

LIMIT = 200 * 1024
ENV = {
    "QIYOU_FETCH_PRIVATE_HOSTS": "1",  # the hostile server listens on loopback
    "QIYOU_FETCH_INTERVAL": "3600",  # fetches happen when the tests ask
    "QIYOU_FETCH_TIMEOUT": "2",  # a stalled server costs 2 s a try
    "QIYOU_FETCH_BACKOFF_MAX": "1",  # a failed row is tried again a second later
    "QIYOU_MAX_MESSAGE_SIZE": "200K",
}
WITH_FOLDERS = MIGRATION.replace("members {", "members { foldersFailed")
ONE = f"query O($id: ID!) {{ mailMigration(id: $id) {{ {WITH_FOLDERS} }} }}"
GOOD = ["good 1", "good 2", "good 3"]
BAD = ["stalls", "drops", "huge", "lies", "big"]  # refused, the run goes on
# what the reasons of the refusals say: IMAP refuses the huge literal by its announced size,
# POP3 stops reading it past the limit
REASONS = {
    "imap": Counter(
        {"TIMEOUT": 1, "closed the connection": 1, "2000000000 bytes": 1, "larger than": 2}
    ),
    "pop3": Counter({"TIMEOUT": 1, "closed the connection": 1, "larger than": 3}),
}
INVALID_NAMES = ["&Jjo", "&AGE-", "Caf\u00e9"]  # no end, ASCII shifted, raw 8-bit
SECONDS = 90  # a run of this mailbox ends well within this


def mail(subject: str, size: int = 0) -> bytes:
    body = "x" * size if size else f"body of {subject}"
    return (
        f"From: Old <old@old.example>\r\nTo: me@old.example\r\nSubject: {subject}\r\n"
        f"Date: Mon, 07 Dec 2026 08:00:00 +0000\r\n"
        f"Message-ID: <{subject.replace(' ', '.')}@old.example>\r\n\r\n{body}\r\n"
    ).encode()


def mailbox(password: str = "old-secret") -> Account:
    """Every misbehaviour at once: bad messages between good ones, a repeated UID/UIDL,
    folders named in invalid modified UTF-7 beside a good Chinese one."""
    inbox = [
        Message(mail("good 1"), flags="\\Seen"),
        Message(mail("stalls"), trick="stall"),
        Message(mail("drops"), trick="drop"),
        Message(mail("huge"), trick="huge"),
        Message(mail("lies", size=300_000), size=1000),  # listed small, sent big
        Message(mail("big", size=300_000)),  # listed as it is: never asked for
        Message(mail("good 2")),
        Message(mail("twin"), uid=7, uidl="uidl-7"),  # the same UID and UIDL as good 2
    ]
    folders = [Folder("INBOX", inbox), Folder(encode("项目"), [Message(mail("good 3"))])]
    folders += [Folder(name, [Message(mail(f"in {name}"))]) for name in INVALID_NAMES]
    return Account(password, folders)


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    users = {
        f"{who}-{b}@old.example": mailbox() for b in ("sqlite", "postgres") for who in ("mi", "mp")
    }
    users |= {f"{who}-{b}": mailbox() for b in ("sqlite", "postgres") for who in ("fi", "fp")}
    with HostileServer(users) as server:
        yield server


@pytest.fixture(scope="module")
def rude() -> Iterator[HostileServer]:
    """A server that greets like an SMTP server."""
    greeting = b"220 mail.old.example ESMTP ready\r\n"
    users = {f"mg-{b}@old.example": mailbox() for b in ("sqlite", "postgres")}
    with HostileServer(users, imap_greeting=greeting, pop3_greeting=greeting) as server:
        yield server


async def migrate(admin: GraphQLClient, source: str, old: str, new: str) -> dict:
    members = [{"oldAddress": old, "oldPassword": "old-secret", "newAddress": new}]
    made = (await admin.data(START, source=source, members=members))["startMailMigration"]
    assert made["__typename"] == "MailMigration", made
    return made


async def ended(client: GraphQLClient, migration_id: str) -> dict:
    """Wait until the migration is DONE or FAILED (within ``SECONDS``)."""
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        migration = (await client.data(ONE, id=migration_id))["mailMigration"]
        if migration["state"] in ("DONE", "FAILED"):
            return migration
        await asyncio.sleep(0.2)
    raise AssertionError(f"migration {migration_id} did not end: {migration}")


def check_report(row: dict, protocol: str) -> None:
    """The bad messages refused with their reasons, the bad folders reported, all counted."""
    imap = protocol == "imap"
    assert row["state"] == "DONE" and row["lastError"] is None, row
    said = Counter()
    for refusal in row["report"]["refusals"]:
        said[next((k for k in REASONS[protocol] if k in refusal["reason"]), "?")] += 1
    assert said == REASONS[protocol], row["report"]["refusals"]
    folders = {f["name"]: f for f in row["report"]["folders"]}
    inbox = folders["INBOX" if imap else ""]
    assert (inbox["old"], inbox["new"], inbox["refused"]) == (7, 2, 5), inbox
    assert "repeats 1 id" in inbox["error"], inbox
    if imap:
        assert (folders["项目"]["new"], folders["项目"]["error"]) == (1, None), folders
        for name in INVALID_NAMES:
            assert "invalid modified UTF-7" in folders[name]["error"], folders[name]
            assert folders[name]["new"] == 0, folders[name]
    stored = len(GOOD) if imap else 2
    assert (row["stored"], row["refused"]) == (stored, len(BAD)), row
    assert row["messagesDone"] == row["messagesTotal"] == stored + len(BAD), row
    assert row["foldersFailed"] == (1 + len(INVALID_NAMES) if imap else 1), row


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_migration_from_a_hostile_server(backend, hostile, rude, tmp_path_factory):
    with private_server(backend, tmp_path_factory.mktemp(f"hostile-mig-{backend}"), ENV) as srv:
        admin = await login(srv.graphql_url, "admin@example.com", PASSWORD)
        for protocol, port, old, new in (
            ("imap", hostile.imap_port, f"mi-{backend}@old.example", "alice@example.com"),
            ("pop3", hostile.pop3_port, f"mp-{backend}@old.example", "bob@example.com"),
        ):
            sent_before = hostile.huge_sent
            made = await migrate(admin, f"{protocol}://127.0.0.1:{port}", old, new)
            migration = await ended(admin, made["id"])
            assert migration["state"] == "DONE" and not migration["complete"], migration
            [row] = migration["members"]
            check_report(row, protocol)
            # never read the huge answer: no more of it than socket buffers hold
            assert hostile.huge_sent - sent_before < 16 * 1024 * 1024, hostile.huge_sent

            # Run again: nothing stored twice, the good messages not even fetched again.
            fetched_before = Counter(hostile.retrieved)
            resumed = (await admin.data(RESUME, id=made["id"]))["resumeMailMigration"]
            assert resumed["state"] == "RUNNING", resumed
            [again] = (await ended(admin, made["id"]))["members"]
            assert (again["stored"], again["refused"]) == (row["stored"], row["refused"]), again
            assert Counter(hostile.retrieved) == fetched_before

            member = await login(srv.graphql_url, new, PASSWORD)
            got = Counter(m["subject"] for m in await folder_messages(member, "INBOX"))
            if protocol == "imap":
                got.update(m["subject"] for m in await folder_messages(member, "项目"))
            assert got == Counter(GOOD if protocol == "imap" else GOOD[:2]), got

        # A wrong greeting: the member's row fails (retried, then FAILED), nothing hangs.
        rude_source = f"imap://127.0.0.1:{rude.imap_port}"
        made = await migrate(admin, rude_source, f"mg-{backend}@old.example", "carol@example.com")
        migration = await ended(admin, made["id"])
        assert migration["state"] == "FAILED", migration
        [row] = migration["members"]
        assert row["state"] == "FAILED" and row["lastError"].startswith("PROTOCOL"), row
        assert (await admin.data(ONE, id=made["id"]))["mailMigration"]["stored"] == 0


@pytest.mark.parametrize("backend", BACKENDS)
async def test_fetching_from_a_hostile_server(backend, hostile, rude, tmp_path_factory):
    with private_server(backend, tmp_path_factory.mktemp(f"hostile-fetch-{backend}"), ENV) as srv:
        alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
        account = {
            "host": "127.0.0.1",
            "security": "NONE",
            "password": "old-secret",
            "leaveOnServer": True,
        }
        sent_before = hostile.huge_sent
        made = (
            await add(
                alice,
                **account,
                protocol="IMAP",
                port=hostile.imap_port,
                username=f"fi-{backend}",
                mirrorFolders=True,
            ),
            await add(
                alice, **account, protocol="POP3", port=hostile.pop3_port, username=f"fp-{backend}"
            ),
        )
        for one in made:
            assert one["__typename"] == "ExternalAccount", one
        began = time.monotonic()
        for one, stored in zip(made, (len(GOOD), 2), strict=True):
            got = await fetched(alice, one["id"])
            assert got["failures"] == 0 and got["fetchedCount"] == stored, got
            error = got["lastError"]
            assert error.startswith("SKIPPED:") and "5 message(s) left on the server" in error
            assert "repeats 1 id" in error, error
            if one is made[0]:
                assert all(repr(name) in error for name in INVALID_NAMES), error
        assert time.monotonic() - began < 2 * SECONDS
        assert hostile.huge_sent - sent_before < 16 * 1024 * 1024, hostile.huge_sent
        mirror = f"fi-{backend}"
        subjects = Counter(m["subject"] for m in await folder_messages(alice, "INBOX"))
        subjects.update(m["subject"] for m in await folder_messages(alice, mirror))
        subjects.update(m["subject"] for m in await folder_messages(alice, f"{mirror}/项目"))
        assert subjects == Counter(GOOD) + Counter(GOOD[:2]), subjects

        # Fetched again: nothing twice, the good messages not even fetched again, the
        # account still saying what was left out.
        fetched_before = Counter(hostile.retrieved)
        for one, stored in zip(made, (len(GOOD), 2), strict=True):
            got = await fetch_now(alice, one["id"])
            assert got["fetchedCount"] == stored and got["lastError"].startswith("SKIPPED"), got
        assert Counter(hostile.retrieved) == fetched_before

        # A wrong greeting is refused when the account is added.
        refused = await add(
            alice, **account, protocol="IMAP", port=rude.imap_port, username=f"mg-{backend}"
        )
        assert refused["code"] == "PROTOCOL", refused
        assert len(await accounts(alice)) == 2
