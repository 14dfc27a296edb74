"""The ingest path alone (no SMTP): messages/s and CPU per message through ``Ingestor``.

Separates the store's cost from the SMTP protocol's: N concurrent callers each ingest mail
for one of M members, as MX sessions would, into a fresh data dir (SQLite, or PostgreSQL
with ``--db postgres``). CPU is the whole process (event loop and database threads), so the
figure means something even on a busy machine; wall-clock rates do not.

    .venv/bin/python bench/ingest_path.py --count 3000 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchlib import PG_ADMIN_URL, make_mail  # noqa: E402
from mailcore.core.config import Settings  # noqa: E402
from mailcore.core.db import close_db, open_db  # noqa: E402
from mailcore.org.service import add_domain, add_member  # noqa: E402
from mailcore.runtime import Runtime  # noqa: E402
from mailcore.store.ingest import Delivery, IngestRequest, IngestSource  # noqa: E402


async def provision(members: int) -> list[int]:
    await add_domain("bench.test")
    ids = []
    for n in range(members):
        member = await add_member(f"m{n}@bench.test", "bench-password", vip=True, quota=0)
        ids.append(member.id)
    return ids


async def run(args: argparse.Namespace, settings: Settings) -> dict:
    await open_db(settings)
    try:
        member_ids = await provision(args.members)
        runtime = Runtime.create(settings)
        mails = [
            make_mail(n, f"m{n % args.members}@bench.test", f"ingest {n}", args.size)
            for n in range(args.count)
        ]
        latencies: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(args.count):
            queue.put_nowait(n)

        async def caller() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                started = time.perf_counter()
                await runtime.ingestor.ingest(
                    IngestRequest(
                        raw=mails[n],
                        source=IngestSource.SMTP_INBOUND,
                        envelope_from=f"s{n}@outside.test",
                        deliveries=[Delivery(member_id=member_ids[n % args.members])],
                    )
                )
                latencies.append(time.perf_counter() - started)

        profile = None
        if args.profile:
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(args.concurrency)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        await runtime.ingestor.close()
    finally:
        await close_db()
    latencies.sort()
    return {
        "bench": "ingest_path",
        "db": args.db,
        "count": args.count,
        "concurrency": args.concurrency,
        "size": args.size,
        "msgs_per_s": round(args.count / wall, 1),
        "cpu_ms_per_msg": round(cpu * 1000 / args.count, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "load_avg_1m": os.getloadavg()[0],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--count", type=int, default=3000)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--size", type=int, default=20 * 1024)
    p.add_argument("--members", type=int, default=20)
    p.add_argument("--profile", metavar="OUT", help="cProfile the ingest loop into OUT")
    args = p.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="qiyou-ingest-"))
    env = {"QIYOU_DATA_DIR": str(data_dir)}
    database = None
    if args.db == "postgres":
        import subprocess

        database = f"qiyou_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["psql", f"{PG_ADMIN_URL}/postgres", "-c", f"CREATE DATABASE {database}"],
            check=True,
            capture_output=True,
        )
        env["DATABASE_URL"] = f"{PG_ADMIN_URL}/{database}".replace("postgresql://", "postgres://")
    try:
        result = asyncio.run(run(args, Settings.from_env(env)))
    finally:
        if database:
            import subprocess

            subprocess.run(
                [
                    "psql",
                    f"{PG_ADMIN_URL}/postgres",
                    "-c",
                    f"DROP DATABASE {database} WITH (FORCE)",
                ],
                check=False,
                capture_output=True,
            )
    print(
        f"ingest path  db={result['db']}  {result['count']} mails ~{result['size']} B, "
        f"{result['concurrency']} callers\n"
        f"  throughput  {result['msgs_per_s']} msg/s   CPU {result['cpu_ms_per_msg']} ms/msg\n"
        f"  ingest()    p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms   "
        f"(load average {result['load_avg_1m']:.1f} on {os.cpu_count()} cores)"
    )
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
