"""Conversations from mail that arrives at the same moment (committed in one group).

Messages sent together are stored by one group commit; a reply and its parent in the same
group must still end up in one conversation, whichever of the two the group holds first.
"""

from __future__ import annotations

import asyncio
import uuid

import aiosmtplib

from tests.e2e.client import login
from tests.e2e.mail import conversation_mail, find, simple_mail, unique
from tests.e2e.server import PASSWORD

CONVERSATIONS = """
{ conversations(folder: "INBOX", first: 100) { edges { node { subject messageCount } } } }
"""

SIZES = '{ messages(folder: "INBOX", first: 100) { edges { node { subject size } } } }'


async def deliver(port: int, raw: bytes, to: str = "bob@example.com") -> None:
    await aiosmtplib.send(
        raw,
        sender="sender@outside.test",
        recipients=[to],
        hostname="127.0.0.1",
        port=port,
        timeout=60,
        start_tls=False,
    )


async def test_parent_and_reply_sent_together_share_a_conversation(server):
    subjects = [unique("together") for _ in range(10)]
    raws = []
    for subject in subjects:
        parent = f"<{uuid.uuid4().hex}@outside.test>"
        raws.append(conversation_mail(subject, parent))
        raws.append(conversation_mail(subject, f"<{uuid.uuid4().hex}@outside.test>", parent))
    await asyncio.gather(*(deliver(server.smtp_port, raw) for raw in raws))

    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, f"Re: {subjects[-1]}") is not None
    edges = (await bob.data(CONVERSATIONS))["conversations"]["edges"]
    counts = {e["node"]["subject"]: e["node"]["messageCount"] for e in edges}
    for subject in subjects:
        # A conversation is named after its first message: parent or reply, as they came.
        assert counts.get(subject, 0) + counts.get(f"Re: {subject}", 0) == 2, subject
        assert not (subject in counts and f"Re: {subject}" in counts), "split in two"


async def test_unrelated_mail_with_the_same_subject_together_stays_apart(server):
    subject = unique("hello")
    raws = [conversation_mail(subject, f"<{uuid.uuid4().hex}@outside.test>") for _ in range(4)]
    await asyncio.gather(*(deliver(server.smtp_port, raw) for raw in raws))

    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, subject) is not None
    edges = (await bob.data(CONVERSATIONS))["conversations"]["edges"]
    assert [e["node"]["messageCount"] for e in edges if e["node"]["subject"] == subject] == [
        1,
        1,
        1,
        1,
    ]


async def test_mail_stored_together_adds_each_size_to_its_own_recipient(server):
    """A group commit adds each copy's size to its own member's usage (one statement for
    several members and amounts); a member with two mails in the group gets both."""
    members = ["alice@example.com", "bob@example.com", "olga@other.org", "oscar@other.org"]
    clients = {m: await login(server.graphql_url, m, PASSWORD) for m in members}
    used = {m: (await c.data("{ me { used } }"))["me"]["used"] for m, c in clients.items()}
    tag = unique("usage")
    sends = [(m, f"{tag} {i}", "x" * (700 * (i + 1))) for i, m in enumerate(members + members)]
    await asyncio.gather(
        *(
            deliver(server.smtp_port, simple_mail("sender@outside.test", to, subject, body), to)
            for to, subject, body in sends
        )
    )
    for member, client in clients.items():
        edges = (await client.data(SIZES))["messages"]["edges"]
        sizes = [e["node"]["size"] for e in edges if e["node"]["subject"].startswith(tag)]
        assert len(set(sizes)) == 2  # its two mails, of different sizes
        now = (await client.data("{ me { used } }"))["me"]["used"]
        assert now - used[member] == sum(sizes), member
