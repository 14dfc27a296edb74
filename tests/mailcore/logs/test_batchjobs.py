"""``mailcore/logs/batchjobs.py`` on the test server's real database: mass mail jobs and
bulk admin operations listed newest first with their status, within the admin's scope."""

from __future__ import annotations

import uuid

WORK = """
from datetime import UTC, datetime, timedelta
from mailcore.admin.errors import AdminError
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope, system_scope
from mailcore.logs.batchjobs import batch_jobs
from mailcore.logs.errors import LogError

tag = args["tag"]
bob = await Member.get(email="bob@example.com")
carol = await Member.get(email="carol@example.com")
eid = bob.enterprise_id
since = datetime.now(UTC) - timedelta(seconds=1)
job = await MassMailJob.create(member=bob, status=MassMailStatus.DONE, total=2, form={})
await MassMailRecipient.create(job=job, address="a@outside.test", status=CopyStatus.DELIVERED)
await MassMailRecipient.create(job=job, address="b@outside.test", status=CopyStatus.FAILED)
running = await MassMailJob.create(member=bob, status=MassMailStatus.RUNNING, total=1, form={})
carol_admin = AdminScope(eid, "carol@example.com", carol.id, False,
                         frozenset({AdminPermission.LOGS}), frozenset())
await record(carol_admin, "member.import", tag, created=1, updated=2, failed=0)
await record(system_scope(eid), "member.update", tag)  # not a batch job
until = datetime.now(UTC) + timedelta(seconds=1)

def rows(jobs):
    return [[j.kind, j.operator, j.status, j.target, j.counts] for j in jobs
            if j.target == tag or j.kind == "mass_mail"]

everything = await batch_jobs(system_scope(eid), since, until, 100)
own_only = await batch_jobs(carol_admin, since, until, 100)
try:
    await batch_jobs(AdminScope(eid, "carol@example.com", carol.id, False), since, until, 100)
    refused = None
except AdminError as exc:
    refused = exc.code.value
try:
    await batch_jobs(system_scope(eid), since, until, 2)
    too_many = None
except LogError as exc:
    too_many = exc.message
times = [j.time.isoformat() for j in everything]
await MassMailJob.filter(id__in=[job.id, running.id]).delete()
return {"everything": rows(everything), "own_only": rows(own_only), "refused": refused,
        "too_many": too_many, "newest_first": times == sorted(times, reverse=True)}
"""


async def test_batch_jobs_with_status_and_scope(server):
    tag = f"import-{uuid.uuid4().hex[:8]}.csv"
    got = server.mailcore(WORK, tag=tag)

    counts = {"created": 1, "updated": 2, "failed": 0}
    assert got["everything"] == [
        ["member.import", "carol@example.com", "done", tag, counts],
        ["mass_mail", "bob@example.com", "running", "", {"total": 1, "failed": 0}],
        ["mass_mail", "bob@example.com", "failed", "", {"total": 2, "failed": 1}],
    ]
    assert got["newest_first"]
    # A scoped admin of no department sees their own operations, not bob's mass mail.
    assert got["own_only"] == [got["everything"][0]]
    assert got["refused"] == "FORBIDDEN", "the logs permission is required"
    assert got["too_many"] and "narrow" in got["too_many"]
