"""The MX in processes of its own (QIYOU_MX_PROCESSES=2): mail through them is stored once,
pushed live and refused by a policy changed a moment ago; they are started again when one
dies, end with their parent, and nothing they acknowledged is lost to a kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import smtplib
import time
from pathlib import Path

import pytest

from tests.conftest import private_server
from tests.e2e.client import Subscription, login
from tests.e2e.mail import mx, simple_mail, unique
from tests.e2e.server import PASSWORD, Server, _listening
from tests.e2e.test_durability import ALL, _sender

NEW_MAIL = "subscription { newMail { id subject } }"
BLOCK = """
mutation A($i: SenderListEntryInput!) {
  addSenderListEntry(input: $i) { __typename ... on SenderListEntry { id } }
}
"""


@pytest.fixture(scope="module")  # one start for the module; the kill -9 test comes last
def mx_server(tmp_path_factory: pytest.TempPathFactory):
    env = {"QIYOU_MX_PROCESSES": "2"}
    with private_server("sqlite", tmp_path_factory.mktemp("mx-processes"), env=env) as srv:
        yield srv


def mx_pids(server: Server) -> list[int]:
    """The server's child processes that run ``serve --roles mx``."""
    assert server.process is not None
    pids = []
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:  # a thread that ended meanwhile
            continue
        for pid in children:
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in command and b"mx" in command:
                pids.append(int(pid))
    return pids


def running(pid: int) -> bool:
    """Not ended (a zombie nobody reaps, where PID 1 does not, has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def wait_for(check, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def send(server: Server, sender: str, subject: str) -> dict:
    with mx(server.smtp_port) as smtp:
        return smtp.sendmail(sender, ["bob@example.com"], simple_mail(sender, "bob", subject, "hi"))


async def all_subjects(client) -> list[str]:
    subjects, after = [], None
    while True:
        page = (await client.data(ALL, after=after))["messages"]
        subjects += [e["node"]["subject"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return subjects
        after = page["pageInfo"]["endCursor"]


async def test_mail_through_mx_processes_is_stored_once_and_pushed(mx_server):
    assert len(mx_pids(mx_server)) == 2
    bob = await login(mx_server.graphql_url, "bob@example.com", PASSWORD)
    tag = unique("mxp")
    async with Subscription(mx_server.ws_url, bob.token, NEW_MAIL) as live:
        # Many connections, so that both processes take some (the kernel spreads them).
        subjects = [f"{tag} {i}" for i in range(40)]
        await asyncio.gather(
            *(asyncio.to_thread(send, mx_server, "s@remote.test", s) for s in subjects)
        )
        pushed = {(await live.next())["newMail"]["subject"] for _ in subjects}
    assert pushed == set(subjects)
    stored = [s for s in await all_subjects(bob) if s.startswith(tag)]
    assert sorted(stored) == sorted(subjects)  # each once


async def test_a_policy_change_applies_at_once_in_every_mx_process(mx_server):
    admin = await login(mx_server.graphql_url, "admin@example.com", PASSWORD)
    bad = f"bad-{unique('d').replace(' ', '-').lower()}.test"
    for i in range(8):  # both processes learn that the company has no black list
        assert send(mx_server, f"x@{bad}", unique(f"before {i}")) == {}
    added = await admin.data(BLOCK, i={"kind": "BLOCK", "pattern": f"@{bad}"})
    assert added["addSenderListEntry"]["__typename"] == "SenderListEntry"
    for i in range(8):  # within the 5 s the cache would otherwise keep its answer
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(mx_server, f"x@{bad}", unique(f"after {i}"))
        assert refused.value.recipients["bob@example.com"][0] == 550


async def test_a_dead_mx_process_is_replaced(mx_server):
    first = mx_pids(mx_server)
    for pid in first:
        os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: len(set(mx_pids(mx_server)) - set(first)) == 2), mx_pids(mx_server)
    assert wait_for(lambda: _listening(mx_server.smtp_port))
    subject = unique("after restart")
    assert wait_for(lambda: _try_send(mx_server, subject))
    bob = await login(mx_server.graphql_url, "bob@example.com", PASSWORD)
    assert subject in await all_subjects(bob)


def _try_send(server: Server, subject: str) -> bool:
    try:
        return send(server, "s@remote.test", subject) == {}
    except (OSError, smtplib.SMTPException):
        return False


async def test_acknowledged_mail_survives_kill_9_and_the_mx_processes_end(mx_server):
    children = mx_pids(mx_server)
    tag = unique("mxcrash")
    acknowledged: list[str] = []
    stop = asyncio.Event()
    senders = [
        asyncio.create_task(_sender(mx_server.smtp_port, f"{tag}-{i}", acknowledged, stop))
        for i in range(8)
    ]
    while len(acknowledged) < 60:
        await asyncio.sleep(0.01)
    mx_server.process.send_signal(signal.SIGKILL)
    mx_server.process.wait()
    stop.set()
    await asyncio.gather(*senders)
    # Its MX processes end with it, and leave the port to the next server.
    assert wait_for(lambda: not any(running(pid) for pid in children), 15)
    mx_server.start()
    bob = await login(mx_server.graphql_url, "bob@example.com", PASSWORD)
    stored = await all_subjects(bob)
    missing = [s for s in acknowledged if s not in stored]
    assert not missing, f"{len(missing)} acknowledged mails lost: {missing[:5]}"
    mine = [s for s in stored if s.startswith(tag)]
    assert len(mine) == len(set(mine))  # none twice
