"""A mail to more members than one statement of the group commit holds.

The group commit binds members and rows in batches (500 per IN list, 200 rows per INSERT),
so a mail group of a big company stays under SQLite's and PostgreSQL's limits on bound
values. Here one message and a reply to it reach 1,200 members through the real commit on
the test server's database; every member gets both, in one conversation, with their quota
usage counted once per copy.
"""

from __future__ import annotations

import uuid

from tests.e2e.client import login
from tests.e2e.mail import conversation_mail, find
from tests.e2e.server import PASSWORD

MEMBERS = 1_200
CONVERSATIONS = """
{ conversations(folder: "INBOX", first: 10) { edges { node { subject messageCount } } } }
"""

COMMIT = """
from mailcore.core.blobs import blob_key
from mailcore.store.folders import SYSTEM_FOLDERS
from mailcore.store.request import Delivery, IngestRequest, IngestSource
from mailcore.store.commit import Item, commit_group
from mailcore.store.registry import Registry
from mailcore.core.mime.parse import parse_message
from mailcore.org.service import add_domain

domain = await add_domain(args["domain"])
password_hash = (await Member.get(email="alice@example.com")).password_hash
await Member.bulk_create([
    Member(enterprise_id=domain.enterprise_id, domain_id=domain.id, email=f"m{n}@{domain.name}",
           password_hash=password_hash, quota_bytes=10**9)
    for n in range(args["members"])
])
ids = await Member.filter(domain_id=domain.id).order_by("id").values_list("id", flat=True)
await Folder.bulk_create([
    Folder(member_id=m, name=name, role=role) for m in ids for role, name in SYSTEM_FOLDERS.items()
])

def item(raw):
    request = IngestRequest(raw=raw, source=IngestSource.SMTP_INBOUND,
                            deliveries=[Delivery(member_id=m) for m in ids])
    return Item(request, parse_message(raw), blob_key(raw))

first, reply = args["first"].encode(), args["reply"].encode()
results = await commit_group([item(first)], Registry())  # the commit alone: no consumers
results += await commit_group([item(reply)], Registry())
stored = [(e.entry_id, e.member_id) for r in results for e in r.entries]
entries = MailboxEntry.filter(id__in=[e for e, _ in stored])
found = dict(await entries.values_list("id", "member_id"))
threads = await MailboxEntry.filter(member_id__in=ids).values_list("member_id", "thread_id")
used = await Member.filter(id__in=ids).values_list("used_bytes", flat=True)
return {
    "copies": [len(r.entries) for r in results],
    "entries_match": all(found.get(e) == m for e, m in stored) and len(found) == len(stored),
    "members_in_one_thread": len({m for m, _ in threads}),
    "threads": len({t for _, t in threads}),
    "used": sorted(set(used)),
    "sizes": len(first) + len(reply),
}
"""


async def test_a_mail_to_more_members_than_a_statement_holds(server):
    domain = f"big-{uuid.uuid4().hex[:8]}.test"
    subject = f"All hands {uuid.uuid4().hex[:8]}"
    parent = f"<{uuid.uuid4().hex}@outside.test>"
    to = f"all@{domain}"
    first = conversation_mail(subject, parent, to=to)
    reply = conversation_mail(subject, f"<{uuid.uuid4().hex}@outside.test>", parent, to=to)

    got = server.mailcore(
        COMMIT, domain=domain, members=MEMBERS, first=first.decode(), reply=reply.decode()
    )

    assert got["copies"] == [MEMBERS, MEMBERS]
    assert got["entries_match"], "every stored entry id is that member's own row"
    assert got["members_in_one_thread"] == MEMBERS
    assert got["threads"] == MEMBERS, "one conversation per member: the reply joined it"
    assert got["used"] == [got["sizes"]], "each member's usage counts both copies once"
    member = await login(server.graphql_url, f"m{MEMBERS - 1}@{domain}", PASSWORD)
    assert await find(member, f"Re: {subject}") is not None
    edges = (await member.data(CONVERSATIONS))["conversations"]["edges"]
    assert [e["node"]["messageCount"] for e in edges] == [2]
