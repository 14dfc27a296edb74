"""Search with an index per node (tantivy): the running server's worker turns search jobs into
the search feed, and other nodes' indexes — each in a directory of its own, like a node's
data dir — follow it. A new node backfills and follows from the head without touching any
other node's marks; a message whose blob cannot be read is not indexed empty but retried on
the node's own topic; a node whose cursor fell below the pruned feed rebuilds its index."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.mail import mx, simple_mail, unique

# One run of a node: follow the feed into the index at ``index`` (messages read from the
# blobs at ``blobs``, or the server's own), and report what that node's index holds.
NODE = """
import time
from mailcore.core.blobs import open_blob_store
from mailcore.search import open_backend, sources
from mailcore.search.contract import MAIL
from mailcore.search.indexer import Indexer, feed_mark, prune_feed, retry_topic

async def entry_ids(subject):
    for _ in range(200):  # the server's worker adds the mail's job to the feed
        messages = await Message.filter(subject=subject).values_list("id", flat=True)
        entries = await MailboxEntry.filter(message_id__in=messages)
        if entries and subject in args["fed"]:  # seen in the feed by an earlier run, and
            return entries  # perhaps pruned since: every node that follows applied it
        if entries:
            ids = [e.id for e in entries]
            feed = [f.payload for f in await SearchFeed.filter(space=MAIL)]
            if all(any(str(i) in p for p in feed) for i in ids):
                return entries
        await asyncio.sleep(0.1)
    raise AssertionError(f"no feed entry for {subject!r}")

entries = [e for s in args["subjects"] for e in await entry_ids(s)]
others = {(s.node, s.space): (s.indexed_upto, s.backfill_until)
          for s in await SearchNodeState.all()}
settings = Settings.from_env()
blobs = open_blob_store(args["blobs"] or str(settings.blob_dir))
backend = open_backend("tantivy://" + args["index"], settings.data_dir)
await backend.open()
node = backend.node_id()
if args.get("stale"):  # what every node that followed during this test applied goes (the
    # node of the server that built the test database template, long gone, does not count)
    await prune_feed(alive=(time.time() - args["since"]) + 1)
    await SearchNodeState.filter(node=node).update(feed_seq=0)  # as if away for long
topic = retry_topic(MAIL, node)
await OutboxJob.filter(topic=topic).update(available_at=0)  # due now
indexer = Indexer(backend, sources(blobs), follows=True)
await indexer.catch_up()
held = set()
for owner in {e.member_id for e in entries}:
    held |= await backend.ids(MAIL, owner)
await backend.close()
state = await SearchNodeState.get(node=node, space=MAIL)
retries = [json.loads(j.payload) for j in await OutboxJob.filter(topic=topic)]
others_after = {(s.node, s.space): (s.indexed_upto, s.backfill_until)
                for s in await SearchNodeState.exclude(node=node)}
return {
    "node": node,
    "entries": [e.id for e in entries],
    "indexed": sorted(e.id for e in entries if e.id in held),
    "cursor": state.feed_seq,
    "head": await feed_mark("head"),
    "pruned": await feed_mark("pruned.mail"),
    "retries": retries,
    "others_before": [[*k, *v] for k, v in others.items() if k[0] != node],
    "others_after": [[*k, *v] for k, v in others_after.items()],
}
"""


def deliver(server, subject: str) -> None:
    with mx(server.smtp_port) as smtp:
        raw = simple_mail("x@remote.test", "carol@example.com", subject, "feed body")
        smtp.sendmail("x@remote.test", ["carol@example.com"], raw)


def test_nodes_follow_the_feed_into_their_own_index(server, tmp_path: Path):
    since = time.time()
    first, second = unique("feed one"), unique("feed two")
    deliver(server, first)
    index_a, index_b = str(tmp_path / "a"), str(tmp_path / "b")
    empty = tmp_path / "no-blobs"
    empty.mkdir()

    # Node A comes up where the blobs cannot be read: nothing is indexed empty, the mail
    # waits on A's own retry topic, and no other node's marks moved.
    a1 = server.mailcore(NODE, subjects=[first], fed=[], index=index_a, blobs=str(empty))
    assert a1["indexed"] == []
    assert a1["entries"] and {i for r in a1["retries"] for i in r["new"]} >= set(a1["entries"])
    assert all(r["try"] == 1 for r in a1["retries"])
    assert sorted(a1["others_after"]) == sorted(a1["others_before"])
    assert a1["cursor"] >= 1  # a new node follows from the head it saw

    # More mail arrives through the server; A (now reading the blobs) indexes the retried
    # mail and follows the feed to the new one.
    deliver(server, second)
    both = [first, second]
    a2 = server.mailcore(NODE, subjects=both, fed=[first], index=index_a, blobs="")
    assert a2["node"] == a1["node"]
    assert a2["indexed"] == sorted(a2["entries"])
    waiting = {i for r in a2["retries"] for i in r["new"]}  # (mail whose blob other tests
    assert not waiting & set(a2["entries"])  # removed stays there, tried again later)
    assert a2["cursor"] > a1["cursor"]

    # A second new node B backfills everything and leaves A's marks alone.
    b = server.mailcore(NODE, subjects=both, fed=both, index=index_b, blobs="")
    assert b["node"] != a1["node"]
    assert b["indexed"] == sorted(b["entries"])
    mine = [row for row in b["others_after"] if row[0] == a1["node"]]
    assert mine and mine == [row for row in b["others_before"] if row[0] == a1["node"]]

    # A node whose cursor is below the pruned part of the feed rebuilds its index.
    a3 = server.mailcore(
        NODE, subjects=both, fed=both, index=index_a, blobs="", stale=True, since=since
    )
    assert a3["pruned"] >= 1  # entries every node applied were pruned ...
    assert a3["cursor"] >= a3["pruned"]  # ... and A, which missed them, rebuilt and follows
    assert a3["indexed"] == sorted(a3["entries"])
