"""The outbox's own mechanics (``mailcore/store/outbox.py``) on the test server's real
database: jobs of one commit merge per topic, a claimed job is not claimed again while its
lease runs, a failing batch comes back after its backoff with the error kept, and a batch
that succeeds is deleted."""

from __future__ import annotations

import uuid

WORK = """
from mailcore.store import outbox
from mailcore.store.registry import Job, merged

topic = args["topic"]
joined = merged([Job(topic, {"new": [1]}, True), Job(topic, {"new": [2, 3]}, True),
                 Job(topic, {"ids": [4]}, True), Job("other", {"x": 1})])
await outbox.add([Job(topic, {"n": 1}), Job(topic, {"n": 2})])
first = await outbox.claim(topic, limit=1, lease=60)
second = await outbox.claim(topic, limit=5, lease=60)
while_leased = await outbox.claim(topic, limit=5, lease=60)

seen = []
async def failing(payloads):
    seen.append([p["n"] for p in payloads])
    raise RuntimeError("receiver down")
await OutboxJob.filter(topic=topic).update(lease_until=0)  # as if the leases ran out
failed = await outbox.run_topic(topic, failing)
kept = await OutboxJob.filter(topic=topic).order_by("id").values("attempts", "last_error")
in_backoff = await outbox.claim(topic, limit=5, lease=60)

await OutboxJob.filter(topic=topic).update(available_at=0)  # as if the backoff ran out
async def working(payloads):
    seen.append([p["n"] for p in payloads])
done = await outbox.run_topic(topic, working)
left = await OutboxJob.filter(topic=topic).count()
return {
    "joined": [[j.topic, j.payload] for j in joined],
    "first": [r["attempts"] for r in first], "second": len(second),
    "while_leased": len(while_leased), "failed": failed, "kept": kept,
    "in_backoff": len(in_backoff), "done": done, "left": left, "seen": seen,
}
"""


async def test_claims_leases_backoff_and_merging(server):
    topic = f"test.{uuid.uuid4().hex[:8]}"
    got = server.mailcore(WORK, topic=topic)

    assert got["joined"] == [
        [topic, {"new": [1, 2, 3]}],
        [topic, {"ids": [4]}],
        ["other", {"x": 1}],
    ], "mergeable jobs of one topic and keys become one row"
    assert got["first"] == [1] and got["second"] == 1, "each claim takes what is free"
    assert got["while_leased"] == 0, "a leased job is not claimed again"
    assert got["failed"] == 0 and got["seen"][0] == [1, 2]
    assert [k["attempts"] for k in got["kept"]] == [2, 2]
    assert all(k["last_error"] == "RuntimeError: receiver down" for k in got["kept"])
    assert got["in_backoff"] == 0, "a failed job waits for its backoff"
    assert got["done"] == 2 and got["seen"][1] == [1, 2] and got["left"] == 0
