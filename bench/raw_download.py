"""Raw message downloads through the HTTP role: ``GET /messages/{id}/raw`` of 1 MiB messages.

Starts its own ``qiyou serve`` (fresh temp data dir; ``--db postgres`` a fresh database;
``--blobs s3`` a SeaweedFS server and bucket, as tests/seaweed.py starts them), provisions
one member with the real CLI, delivers ``--messages`` mails of about ``--size`` bytes to it
over SMTP, then downloads them ``--count`` times in all over ``--concurrency`` parallel HTTP
connections, each authorized with ``Authorization: Bearer <session token>``, reading every
body to its end.

Measured: MiB/s of message bytes received over the wall clock of all downloads; the latency
of one download (request sent → last byte) p50/p99; the server's memory from
/proc/<pid>/status before and after (VmRSS, and VmHWM, the peak resident set since start),
so a server that holds whole messages in memory per request shows; the server's CPU.
Prints a summary, a one-line summary, then one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import smtplib
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    OTHER_LOAD_LIMIT,
    ROOT,
    BenchServer,
    code_state,
    exit_on_sigterm,
    fmt_ms,
    login_all,
    machine,
    make_mail,
    member_email,
    ms,
    percentile,
    print_json,
    summary_ms,
    wait_until_quiet,
)

MIB = 1024 * 1024
SENDER = "reports@partner.example"
LIST = """
query List($first: Int!) {
  messages(folder: "INBOX", first: $first) { edges { node { id subject } } }
}
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--blobs", choices=["local", "s3"], default="local")
    p.add_argument("--count", type=int, default=1000, help="downloads in all (default 1000)")
    p.add_argument("--size", type=int, default=MIB, help="approximate message size, bytes")
    p.add_argument("--messages", type=int, default=10, help="distinct messages downloaded")
    p.add_argument("--concurrency", type=int, default=8, help="parallel HTTP connections")
    p.add_argument("--quiet-wait", type=float, default=300, help="wait for a quiet machine (s)")
    p.add_argument("--no-wait-quiet", dest="wait_quiet", action="store_false")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir (server log)")
    return p.parse_args(argv)


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def deliver(server: BenchServer, count: int, size: int) -> None:
    recipient = member_email(0)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=120) as smtp:
        for i in range(count):
            raw = make_mail(i, recipient, f"raw download {i}", size)
            smtp.sendmail(SENDER, [recipient], raw)


async def message_ids(url: str, token: str, want: int) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=60) as http:
        for _ in range(600):  # delivered mail is listed within moments; bounded wait
            r = await http.post(
                url, json={"query": LIST, "variables": {"first": want}}, headers=headers
            )
            edges = r.json()["data"]["messages"]["edges"]
            if len(edges) >= want:
                return [e["node"]["id"] for e in edges]
            await asyncio.sleep(0.1)
    raise RuntimeError(f"only {len(edges)} of {want} messages listed")


async def download(
    base_url: str, token: str, ids: list[str], count: int, concurrency: int
) -> tuple[list[float], int, list[str], float]:
    """Download ``count`` raw messages (ids in turn); latencies, bytes, errors, wall."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors: list[str] = []
    received = 0
    next_index = 0

    async def one(http: httpx.AsyncClient) -> None:
        nonlocal received, next_index
        while next_index < count:
            i, next_index = next_index, next_index + 1
            t0 = time.monotonic()
            async with http.stream("GET", f"{base_url}/messages/{ids[i % len(ids)]}/raw") as r:
                size = 0
                async for chunk in r.aiter_raw():
                    size += len(chunk)
            if r.status_code != 200:
                errors.append(f"{r.status_code}")
                continue
            latencies.append(time.monotonic() - t0)
            received += size

    async with httpx.AsyncClient(timeout=120, limits=limits, headers=headers) as http:
        started = time.monotonic()
        await asyncio.gather(*(one(http) for _ in range(concurrency)))
        wall = time.monotonic() - started
    return latencies, received, errors, wall


def run(args: argparse.Namespace) -> dict[str, Any]:
    weed = None
    extra: dict[str, str] = {}
    if args.blobs == "s3":
        sys.path.insert(0, str(ROOT))
        from tests.seaweed import S3_ENV, start_seaweed

        weed = start_seaweed()
        extra = {"QIYOU_BLOB_URL": weed.blob_url(weed.new_bucket()), **S3_ENV}
    broadcast = "redis" if args.db == "postgres" else "memory"
    server = BenchServer(db=args.db, broadcast=broadcast, extra_env=extra, keep=args.keep)
    try:
        server.create_database()
        server.provision(1)
        server.start(timeout=180)  # a busy machine starts slowly
        assert server.process is not None
        print(f"delivering {args.messages} mails of ~{args.size} B ...", flush=True)
        deliver(server, args.messages, args.size)
        token = asyncio.run(login_all(server.graphql_url, [member_email(0)]))[member_email(0)]
        ids = asyncio.run(message_ids(server.graphql_url, token, args.messages))
        base_url = f"http://127.0.0.1:{server.http_port}"
        quiet = round(wait_until_quiet(max_wait=args.quiet_wait), 2) if args.wait_quiet else None
        before = memory(server.process.pid)
        cpu_before = server.cpu()
        print(f"downloading {args.count} times over {args.concurrency} connections ...")
        latencies, received, errors, wall = asyncio.run(
            download(base_url, token, ids, args.count, args.concurrency)
        )
        cpu_after = server.cpu()
        after = memory(server.process.pid)
        server.stop()
        problems, problem_lines = server.log_problems()
    finally:
        server.close()
        if weed is not None:
            weed.stop()
    window = max(cpu_after.at - cpu_before.at, 1e-9)
    busy = cpu_after.machine - cpu_before.machine
    own = cpu_after.total - cpu_before.total + cpu_after.services - cpu_before.services
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[:3]
    return {
        "bench": "raw_download",
        "db": args.db,
        "blobs": args.blobs,
        "count": args.count,
        "concurrency": args.concurrency,
        "messages": args.messages,
        "mean_message_bytes": round(received / max(1, len(latencies))),
        "downloads_ok": len(latencies),
        "errors": errors[:10],
        "wall_s": round(wall, 2),
        "mib_per_s": round(received / MIB / wall, 1) if wall else None,
        "downloads_per_s": round(len(latencies) / wall, 1) if wall else None,
        "latency_p50_ms": ms(percentile(latencies, 50)),
        "latency_p99_ms": ms(percentile(latencies, 99)),
        "latency": summary_ms(latencies),
        "server_rss_kib_before": before["VmRSS"],
        "server_rss_kib_after": after["VmRSS"],
        "server_hwm_kib_before": before["VmHWM"],
        "server_hwm_kib_after": after["VmHWM"],
        "server_cpu_cores": round((cpu_after.total - cpu_before.total) / window, 2),
        "other_cpu_cores": round((busy - own) / window, 2),  # includes this client
        "load_before": quiet,
        "load_average_after": load,
        "server_log_errors": problems,
        "server_log_first_errors": problem_lines,
        "machine": machine(),
        "code": code_state(),
    }


def print_summary(f: dict[str, Any]) -> None:
    print()
    print(
        f"Raw downloads  db={f['db']} blobs={f['blobs']}  {f['count']} × ~"
        f"{f['mean_message_bytes'] / MIB:.2f} MiB over {f['concurrency']} connections"
    )
    print(f"  ok {f['downloads_ok']}, errors {f['errors'] or 'none'}")
    print(
        f"  throughput  {f['mib_per_s']} MiB/s ({f['downloads_per_s']} downloads/s, "
        f"{f['wall_s']} s wall)"
    )
    print(f"  latency     p50 {fmt_ms(f['latency_p50_ms'])}  p99 {fmt_ms(f['latency_p99_ms'])}")
    print(
        f"  server RSS  {f['server_rss_kib_before'] / 1024:.0f} → "
        f"{f['server_rss_kib_after'] / 1024:.0f} MiB, peak (VmHWM) "
        f"{f['server_hwm_kib_before'] / 1024:.0f} → {f['server_hwm_kib_after'] / 1024:.0f} MiB"
    )
    print(
        f"  CPU         server {f['server_cpu_cores']} cores, others (with this client) "
        f"{f['other_cpu_cores']}; load average after {' '.join(f['load_average_after'])}"
    )
    print()
    print(
        f"raw_download: {f['mib_per_s']} MiB/s, p99 {fmt_ms(f['latency_p99_ms'])}, "
        f"server VmHWM {f['server_hwm_kib_after'] / 1024:.0f} MiB "
        f"(VmRSS {f['server_rss_kib_after'] / 1024:.0f} MiB), "
        f"{f['downloads_ok']}/{f['count']} ok"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    figures = run(args)
    figures["skewed_by_other_load"] = figures["other_cpu_cores"] > OTHER_LOAD_LIMIT + 1
    print_summary(figures)
    print_json(figures)
    return 0 if figures["downloads_ok"] == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
