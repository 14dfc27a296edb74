"""Policy evaluation cost per message with 100 rules (approval, backup) and the archive on.

In-process against a fresh SQLite database: an enterprise with 12 members in 10 departments,
100 approval rules and 100 backup rules that do not match (keywords absent, so every rule is
evaluated), the archive enabled. Each round runs the approval, backup and archive policies
on a submission request (one sender, three local recipients, one external) as the ingest
path does, without storing the mail. Prints mean and p95 per message.

    .venv/bin/python bench/policy_rules.py [messages]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def main(messages: int) -> None:
    from mailcore.archive import capture
    from mailcore.core.config import Settings
    from mailcore.core.db import close_db, open_db
    from mailcore.core.mime.parse import parse_message
    from mailcore.core.models import (
        ApprovalRule,
        ArchiveSettings,
        BackupRule,
        Department,
        DepartmentMember,
        FolderRole,
        RecipientScope,
        TimeoutAction,
    )
    from mailcore.org.service import add_domain, add_member
    from mailcore.policy import approval, backup
    from mailcore.store.request import Delivery, IngestRequest, IngestSource

    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="qiyou-bench-policy-")))
    await open_db(settings)
    try:
        domain = await add_domain("policy.bench", None)
        members = [
            await add_member(f"m{i}@policy.bench", "correct-horse-9", quota=10**9)
            for i in range(12)
        ]
        ent = domain.enterprise_id
        departments = [await Department.create(enterprise_id=ent, name=f"D{i}") for i in range(10)]
        await DepartmentMember.bulk_create(
            [
                DepartmentMember(department_id=departments[i % 10].id, member_id=m.id)
                for i, m in enumerate(members)
            ]
        )
        await ApprovalRule.bulk_create(
            [
                ApprovalRule(
                    enterprise_id=ent,
                    name=f"a{i}",
                    department_ids=[departments[i % 10].id],
                    recipient_scope=RecipientScope.ANY,
                    keywords=[f"never-{i}"],
                    approver_ids=[members[-1].id],
                    timeout_action=TimeoutAction.REJECT,
                )
                for i in range(100)
            ]
        )
        await BackupRule.bulk_create(
            [
                BackupRule(
                    enterprise_id=ent,
                    name=f"b{i}",
                    department_ids=[departments[i % 10].id],
                    keywords=[f"never-{i}"],
                    target_id=members[-2].id,
                )
                for i in range(100)
            ]
        )
        await ArchiveSettings.create(enterprise_id=ent, enabled=True)
        raw = (
            b"From: m0@policy.bench\r\nTo: m1@policy.bench\r\nSubject: quarterly figures\r\n"
            b"\r\n" + b"Some body text of an ordinary business mail.\r\n" * 40
        )
        parsed = parse_message(raw)
        timings = []
        for _ in range(messages):
            request = IngestRequest(
                raw=raw,
                source=IngestSource.SUBMISSION,
                envelope_from="m0@policy.bench",
                deliveries=[
                    Delivery(member_id=members[0].id, role=FolderRole.SENT),
                    *(Delivery(member_id=m.id) for m in members[1:4]),
                ],
                outbound=["someone@far.example"],
                sender_member_id=members[0].id,
            )
            start = time.perf_counter()
            for policy in (approval.apply, backup.apply, capture.apply):
                await policy(request, parsed)
            timings.append(time.perf_counter() - start)
            assert len(request.on_commit) == 1  # the archive record, nothing held or copied
        timings.sort()
        print("policy evaluation, 100 approval + 100 backup rules, archive on, SQLite:")
        print(f"  messages          {messages}")
        print(f"  mean per message  {statistics.mean(timings) * 1000:.2f} ms")
        print(f"  p95 per message   {timings[int(len(timings) * 0.95)] * 1000:.2f} ms")
    finally:
        await close_db()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
