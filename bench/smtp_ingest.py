"""SMTP ingest benchmark: how many messages per second the MX port acknowledges.

Starts its own ``qiyou serve`` (fresh temp data dir; with ``--db postgres`` a fresh
PostgreSQL database and the Redis broadcaster), provisions a domain and ``--members`` VIP
members with the real ``qiyou`` CLI, then sends ``--count`` realistic mails of about
``--size`` bytes (multipart text+HTML, base64 UTF-8 with Chinese, RFC 2047 headers), each to
one member, over ``--concurrency`` parallel SMTP sessions (aiosmtplib, one connection per
session reused for all its messages) to the MX port. The client runs in ``--procs`` worker
processes; messages are generated before the clock starts.

Measured:

* throughput: messages acknowledged with 250 / wall clock from the first MAIL FROM to the
  last 250 (the server sends 250 only after the blob is fsynced and the group committed);
* the latency from the end of DATA (the final ``.`` written) to the 250 reply: p50/p99;
* GraphQL visibility: for every ``--sample-every``-th message, a light sampler polls the
  recipient's ``messages(folder: "INBOX", first: 5)`` until the subject appears; latency
  from the 250 to the answer that contains it: p50/p99;
* CPU seconds of the client processes and of the server (all threads, and the event-loop
  thread alone) over the run, so a client bottleneck or a saturated loop is visible;
* ERROR lines in the server log, and the INBOX totals the server reports afterwards.

Prints a human-readable summary, then one line of JSON with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import queue
import signal
import sys
import time
import uuid
from collections import Counter
from typing import Any

import aiosmtplib
import httpx
from benchlib import (
    OTHER_LOAD_LIMIT,
    BenchServer,
    code_state,
    dot_stuff,
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

SENDER = "notifications@partner.example"
FIND = """
query Find($first: Int!) {
  messages(folder: "INBOX", first: $first) { edges { node { id subject } } }
}
"""
FOLDERS = "query { folders { role total } }"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument(
        "--broadcast",
        choices=["memory", "redis"],
        default=None,
        help="event bus (default: memory for sqlite, redis for postgres)",
    )
    p.add_argument("--count", type=int, default=5000, help="mails to send (default 5000)")
    p.add_argument("--concurrency", type=int, default=20, help="parallel SMTP sessions")
    p.add_argument("--size", type=int, default=20 * 1024, help="approximate mail size, bytes")
    p.add_argument("--members", type=int, default=20, help="VIP members (recipients)")
    p.add_argument("--procs", type=int, default=1, help="client worker processes")
    p.add_argument(
        "--sample-every",
        type=int,
        default=50,
        help="check GraphQL visibility of every N-th message (0: off)",
    )
    p.add_argument("--visibility-first", type=int, default=5, help="messages(first: N) to poll")
    p.add_argument("--starttls", action="store_true", help="use STARTTLS on each session")
    p.add_argument("--timeout", type=float, default=900, help="give up on sending after (s)")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir (server log)")
    p.add_argument(
        "--no-wait-quiet",
        dest="wait_quiet",
        action="store_false",
        help="do not wait for other load on the machine to stop first",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=300,
        help="wait at most this long (s) for the machine to be quiet (default 300)",
    )
    p.add_argument("--profile", metavar="OUT", help="py-spy the server while sending (.svg/.json)")
    return p.parse_args(argv)


# --- client worker process -----------------------------------------------------------------


def subject_for(run: str, i: int) -> str:
    return f"[{run}-{i:06d}] 季度销售报告 Q3 review 第{i}号"


def worker(
    proc: int,
    cfg: dict[str, Any],
    indices: list[int],
    ready: Any,
    start: Any,
    results: Any,
) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        out = asyncio.run(_worker(proc, cfg, indices, ready, start))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops
        out = {"proc": proc, "fatal": f"{type(exc).__name__}: {exc}"}
        ready.put(("failed", proc))
    results.put(out)


async def _connect(cfg: dict[str, Any]) -> aiosmtplib.SMTP:
    smtp = aiosmtplib.SMTP(
        hostname="127.0.0.1",
        port=cfg["smtp_port"],
        timeout=120,
        start_tls=cfg["starttls"],
        validate_certs=False,
        local_hostname="bench-client.partner.example",
    )
    await smtp.connect()
    await smtp.ehlo()
    return smtp


async def _worker(
    proc: int, cfg: dict[str, Any], indices: list[int], ready: Any, start: Any
) -> dict[str, Any]:
    members = cfg["members"]
    payloads: dict[int, bytes] = {}
    for i in indices:
        raw = make_mail(i, member_email(i % members), subject_for(cfg["run"], i), cfg["size"])
        payloads[i] = dot_stuff(raw)
    sizes = {i: len(p) for i, p in payloads.items()}
    todo: asyncio.Queue[int] = asyncio.Queue()
    for i in indices:
        todo.put_nowait(i)
    sessions = [await _connect(cfg) for _ in range(cfg["sessions"])]

    records: list[tuple[int, float, float, float, int]] = []  # i, mail, data end, reply, code
    errors: Counter[str] = Counter()
    samples: list[asyncio.Task[tuple[int, float | None, int]]] = []
    http = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=8))
    tokens: dict[str, str] = cfg["tokens"]

    async def visible(i: int, t_reply: float) -> tuple[int, float | None, int]:
        email = member_email(i % members)
        subject = subject_for(cfg["run"], i)
        headers = {"Authorization": f"Bearer {tokens[email]}"}
        polls = 0
        deadline = t_reply + 30
        while time.monotonic() < deadline:
            polls += 1
            try:
                r = await http.post(
                    cfg["graphql_url"],
                    json={"query": FIND, "variables": {"first": cfg["visibility_first"]}},
                    headers=headers,
                )
                edges = r.json()["data"]["messages"]["edges"]
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                edges = []
            if any(e["node"]["subject"] == subject for e in edges):
                return i, time.monotonic() - t_reply, polls
            await asyncio.sleep(0.02)
        return i, None, polls

    async def session(smtp: aiosmtplib.SMTP) -> None:
        reconnects = 0
        while not todo.empty():
            i = todo.get_nowait()
            rcpt = member_email(i % members)
            try:
                t_mail = time.monotonic()
                await smtp.mail(SENDER, options=[f"SIZE={sizes[i]}"])
                await smtp.rcpt(rcpt)
                response = await smtp.execute_command(b"DATA")
                if response.code != 354:
                    raise aiosmtplib.SMTPDataError(response.code, response.message)
                smtp.protocol.write(payloads[i])
                t_end = time.monotonic()
                response = await smtp.protocol.read_response(timeout=120)
                t_reply = time.monotonic()
                records.append((i, t_mail, t_end, t_reply, response.code))
                if response.code != 250:
                    errors[f"{response.code} {response.message[:60]}"] += 1
                elif cfg["sample_every"] and i % cfg["sample_every"] == 0:
                    samples.append(asyncio.create_task(visible(i, t_reply)))
            except aiosmtplib.SMTPResponseException as exc:
                errors[f"{exc.code} {exc.message[:60]}"] += 1
                records.append((i, t_mail, 0.0, time.monotonic(), exc.code))
                try:
                    await smtp.rset()
                except aiosmtplib.SMTPException:
                    pass
            except (aiosmtplib.SMTPException, OSError) as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
                records.append((i, t_mail, 0.0, time.monotonic(), 0))
                reconnects += 1
                if reconnects > 3:
                    return
                try:
                    smtp.close()
                    smtp = await _connect(cfg)
                except (aiosmtplib.SMTPException, OSError):
                    return
        try:
            await smtp.quit()
        except aiosmtplib.SMTPException:
            smtp.close()

    ready.put(("ready", proc))
    loop = asyncio.get_running_loop()
    if not await loop.run_in_executor(None, start.wait, 600):
        raise RuntimeError("no start signal")
    cpu0 = time.process_time()
    try:
        await asyncio.wait_for(
            asyncio.gather(*(session(s) for s in sessions)), timeout=cfg["timeout"]
        )
    except TimeoutError:
        errors["client timeout"] += 1
    cpu_send = time.process_time() - cpu0
    sampled = await asyncio.gather(*samples)
    await http.aclose()
    return {
        "proc": proc,
        "records": records,
        "errors": dict(errors),
        "samples": sampled,
        "cpu_send": cpu_send,
        "unsent": todo.qsize(),
    }


# --- orchestration ---------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    broadcast = args.broadcast or ("redis" if args.db == "postgres" else "memory")
    server = BenchServer(db=args.db, broadcast=broadcast, keep=args.keep)
    procs: list[mp.Process] = []
    try:
        server.create_database()
        print(f"provisioning {args.members} members ({args.db}, {broadcast}) ...", flush=True)
        provision_s = server.provision(args.members)
        server.start()
        emails = [member_email(i) for i in range(args.members)]
        tokens = asyncio.run(login_all(server.graphql_url, emails))
        run_id = uuid.uuid4().hex[:8]
        nprocs = max(1, min(args.procs, args.concurrency))
        cfg_base = {
            "run": run_id,
            "smtp_port": server.smtp_port,
            "graphql_url": server.graphql_url,
            "members": args.members,
            "size": args.size,
            "starttls": args.starttls,
            "sample_every": args.sample_every,
            "visibility_first": args.visibility_first,
            "timeout": args.timeout,
            "tokens": tokens,
        }
        # before the sessions open: an SMTP session idle for 300 s is closed by the server
        quiet = round(wait_until_quiet(max_wait=args.quiet_wait), 2) if args.wait_quiet else None
        ctx = mp.get_context("fork")
        ready, results, start = ctx.Queue(), ctx.Queue(), ctx.Event()
        for p in range(nprocs):
            cfg = {**cfg_base, "sessions": len(range(p, args.concurrency, nprocs))}
            indices = list(range(p, args.count, nprocs))
            proc = ctx.Process(target=worker, args=(p, cfg, indices, ready, start, results))
            proc.start()
            procs.append(proc)
        print(
            f"sending {args.count} mails of ~{args.size} B over {args.concurrency} sessions "
            f"in {nprocs} client process(es) ...",
            flush=True,
        )
        for _ in procs:
            state, p = ready.get(timeout=300)
            if state != "ready":
                raise RuntimeError(f"client process {p} failed to start")
        spy = server.start_profiler(args.profile) if args.profile else None
        cpu_before = server.cpu()
        start.set()
        outs: list[dict[str, Any]] = []
        cpu_after = None
        deadline = time.monotonic() + args.timeout + 120
        while len(outs) < nprocs:
            try:
                outs.append(results.get(timeout=max(1, deadline - time.monotonic())))
            except queue.Empty as exc:
                raise RuntimeError("client processes did not finish in time") from exc
            if cpu_after is None:
                cpu_after = server.cpu()  # the first to finish: close to the end of sending
                server.stop_profiler(spy)
        for out in outs:
            if "fatal" in out:
                raise RuntimeError(f"client process {out['proc']}: {out['fatal']}")
        for proc in procs:
            proc.join(timeout=30)
        inbox_total = asyncio.run(_inbox_total(server.graphql_url, tokens))
        server.stop()  # errors logged while shutting down count too
        problems, problem_lines = server.log_problems()
        return _figures(
            args,
            broadcast,
            outs,
            cpu_before,
            cpu_after,
            provision_s,
            inbox_total,
            problems,
            problem_lines,
            quiet,
        )
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=10)
        server.close()


async def _inbox_total(url: str, tokens: dict[str, str]) -> int:
    total = 0
    async with httpx.AsyncClient(timeout=60) as http:
        for token in tokens.values():
            r = await http.post(
                url, json={"query": FOLDERS}, headers={"Authorization": f"Bearer {token}"}
            )
            total += sum(f["total"] for f in r.json()["data"]["folders"] if f["role"] == "INBOX")
    return total


def _figures(
    args: argparse.Namespace,
    broadcast: str,
    outs: list[dict[str, Any]],
    cpu_before: Any,
    cpu_after: Any,
    provision_s: float,
    inbox_total: int,
    problems: int,
    problem_lines: list[str],
    quiet: float | None,
) -> dict[str, Any]:
    records = [r for out in outs for r in out["records"]]
    ok = [r for r in records if r[4] == 250]
    errors: Counter[str] = Counter()
    for out in outs:
        errors.update(out["errors"])
    wall = (max(r[3] for r in records) - min(r[1] for r in records)) if records else 0.0
    latencies = [r[3] - r[2] for r in ok]
    envelopes = [r[2] - r[1] for r in ok]  # MAIL, RCPT, DATA round trips and the 20 KB sent
    samples = [s for out in outs for s in out["samples"]]
    visible = [s[1] for s in samples if s[1] is not None]
    polls = [s[2] for s in samples]
    client_cpu = sum(out["cpu_send"] for out in outs)
    window = max(cpu_after.at - cpu_before.at, 1e-9)
    return {
        "bench": "smtp_ingest",
        "db": args.db,
        "broadcast": broadcast,
        "count": args.count,
        "concurrency": args.concurrency,
        "size": args.size,
        "members": args.members,
        "client_procs": len(outs),
        "starttls": args.starttls,
        "accepted": len(ok),
        "refused_or_failed": len(records) - len(ok),
        "unsent": sum(out["unsent"] for out in outs),
        "errors": dict(errors),
        "wall_s": round(wall, 2),
        "msgs_per_s": round(len(ok) / wall, 1) if wall else None,
        "ack_p50_ms": ms(percentile(latencies, 50)),
        "ack_p99_ms": ms(percentile(latencies, 99)),
        "ack": summary_ms(latencies),
        "envelope": summary_ms(envelopes),
        "visibility_p50_ms": ms(percentile(visible, 50)),
        "visibility_p99_ms": ms(percentile(visible, 99)),
        "visibility": {
            **summary_ms(visible),
            "sampled": len(samples),
            "not_visible": len(samples) - len(visible),
            "mean_polls": round(sum(polls) / len(polls), 2) if polls else None,
        },
        "client_cpu_cores": round(client_cpu / wall, 2) if wall else None,
        "other_cpu_cores": round(
            (
                cpu_after.machine
                - cpu_before.machine
                - cpu_after.total
                + cpu_before.total
                - cpu_after.services
                + cpu_before.services
                - client_cpu
            )
            / window,
            2,
        ),
        "server_cpu_cores": round((cpu_after.total - cpu_before.total) / window, 2),
        "server_loop_thread_cpu": round((cpu_after.main - cpu_before.main) / window, 2),
        "server_kernel_cpu": round((cpu_after.system - cpu_before.system) / window, 2),
        "machine_cpu_cores": round((cpu_after.machine - cpu_before.machine) / window, 2),
        "pg_redis_cpu_cores": round((cpu_after.services - cpu_before.services) / window, 2),
        "load_before": quiet,
        "inbox_total_after": inbox_total,
        "provision_s": round(provision_s, 1),
        "server_log_errors": problems,
        "server_log_first_errors": problem_lines,
        "machine": machine(),
        "code": code_state(),
    }


def print_summary(f: dict[str, Any]) -> None:
    print()
    print(
        f"SMTP ingest  db={f['db']} broadcast={f['broadcast']}  {f['count']} mails "
        f"~{f['size']} B, {f['concurrency']} sessions, {f['client_procs']} client proc(s)"
    )
    print(
        f"  accepted {f['accepted']}, refused/failed {f['refused_or_failed']}, "
        f"unsent {f['unsent']}  errors: {f['errors'] or 'none'}"
    )
    print(f"  throughput      {f['msgs_per_s']} msg/s acknowledged ({f['wall_s']} s wall)")
    print(
        f"  DATA end → 250  p50 {fmt_ms(f['ack_p50_ms'])}  p99 {fmt_ms(f['ack_p99_ms'])}  "
        f"max {fmt_ms(f['ack']['max_ms'])}"
    )
    e = f["envelope"]
    print(f"  MAIL → DATA end p50 {fmt_ms(e['p50_ms'])}  p99 {fmt_ms(e['p99_ms'])}")
    v = f["visibility"]
    print(
        f"  250 → GraphQL   p50 {fmt_ms(f['visibility_p50_ms'])}  "
        f"p99 {fmt_ms(f['visibility_p99_ms'])}  ({v['sampled']} sampled, "
        f"{v['not_visible']} never visible, {v['mean_polls']} polls each)"
    )
    print(
        f"  CPU cores used  server {f['server_cpu_cores']} (event-loop thread "
        f"{f['server_loop_thread_cpu']}, in kernel {f['server_kernel_cpu']}), "
        f"client {f['client_cpu_cores']}, "
        f"PostgreSQL+Redis {f['pg_redis_cpu_cores']}, whole machine {f['machine_cpu_cores']} "
        f"of {f['machine']['cpus']} (other processes {f['other_cpu_cores']}; "
        f"load before start {f['load_before']})"
    )
    if f["skewed_by_other_load"]:
        print(
            f"  WARNING: other processes used {f['other_cpu_cores']} cores during the run: "
            "the figures are skewed, run again on a quiet machine"
        )
    print(
        f"  INBOX total after run {f['inbox_total_after']}; server log errors "
        f"{f['server_log_errors']}"
    )
    for line in f["server_log_first_errors"]:
        print(f"    {line[:200]}")
    m = f["machine"]
    print(
        f"  machine: {m['cpus']} × {m['cpu_model']}, {m['ram_gib']} GiB RAM, "
        f"fsync of 20 KB p50 {m['fsync_20k_p50_ms']} ms; server code "
        f"{f['code']['sha256_12']} (last change {f['code']['newest_change']})"
    )
    target = f["msgs_per_s"] is not None and f["msgs_per_s"] >= 300
    if f["db"] == "sqlite":
        print(f"  target ≥ 300 msg/s on SQLite: {'MET' if target else 'NOT MET'}")
    print()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    figures = run(args)
    figures["skewed_by_other_load"] = figures["other_cpu_cores"] > OTHER_LOAD_LIMIT
    print_summary(figures)
    print_json(figures)
    return 0 if figures["accepted"] else 1


if __name__ == "__main__":
    sys.exit(main())
