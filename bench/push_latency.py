"""Push latency benchmark: from an SMTP delivery to the ``newMail`` push on 1,000 websockets.

Starts its own ``qiyou serve`` (fresh temp data dir; ``--broadcast memory`` (default) or
``redis`` event bus; ``--db sqlite`` (default) or ``postgres``), provisions ``--members``
VIP members (the first with the real ``qiyou`` CLI, the others through the service it calls
in one process: ``idle_subscribers.provision``) and logs each in over GraphQL. Then
``--ws-procs`` client processes open ``--members`` × ``--per-member`` graphql-transport-ws
connections (default 100 × 10 = 1,000), each authenticated with its member's token in
``connection_init`` and subscribed to ``subscription { newMail { id subject ... } }``.

Phases (every mail's subject carries a tag, so each push is matched to its mail):

1. warm-up: one mail to every member; proves each subscription is live (a socket that never
   gets it is counted as ``dead``) and is left out of the figures;
2. ``single``: ``--mails`` mails (default 200), each to one member (round robin), sent at
   ``--rate`` mails/s over ``--smtp-sessions`` SMTP sessions: each reaches that member's
   ``--per-member`` sockets;
3. ``fanout``: ``--fanout`` mails (default 5), each to all members (one mail, 100 RCPT TO,
   1,000 pushes), ``--fanout-gap`` seconds apart.

Latency of a push = the time the client process read the frame − the time the end of the
mail's DATA was written (clocks are the machine's monotonic clock, shared by all processes).
The same minus the time of the 250 reply is reported too: it can be negative, because the
server publishes the event after the commit and before it writes the 250. A push not
received ``--grace`` seconds after the last mail of its phase is counted as missed.

Prints a human-readable summary, then one line of JSON with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
import time
import uuid
from collections import Counter, defaultdict
from typing import Any

import aiosmtplib
import httpx
from benchlib import (
    OTHER_LOAD_LIMIT,
    BenchServer,
    ProcessPool,
    code_state,
    dot_stuff,
    exit_on_sigterm,
    fmt_ms,
    login_all,
    machine,
    make_mail,
    member_email,
    ms,
    print_json,
    raise_nofile_limit,
    subscribed_socket,
    summary_ms,
    wait_until_quiet,
)
from idle_subscribers import provision
from websockets.exceptions import ConnectionClosed, InvalidHandshake

SENDER = "alerts@partner.example"
SUBSCRIPTION = "subscription { newMail { id subject folder date from { address name } } }"
TAG = re.compile(r"\[([0-9a-f]{8}-[a-z]+\d*)\]")


def executions(server: BenchServer) -> float | None:
    """The server's count of shared subscription executions (None: code without them)."""
    try:
        text = httpx.get(f"http://127.0.0.1:{server.http_port}/metrics", timeout=10).text
    except httpx.HTTPError:
        return None
    for line in text.splitlines():
        if line.startswith("qiyou_graphql_subscription_executions_total "):
            return float(line.split()[1])
    return None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--broadcast", choices=["memory", "redis"], default="memory")
    p.add_argument("--members", type=int, default=100)
    p.add_argument("--per-member", type=int, default=10, help="websockets per member")
    p.add_argument("--mails", type=int, default=200, help="mails to one member each")
    p.add_argument("--rate", type=float, default=20, help="single-recipient mails per second")
    p.add_argument("--smtp-sessions", type=int, default=4)
    p.add_argument("--fanout", type=int, default=5, help="mails to all members")
    p.add_argument("--fanout-gap", type=float, default=2.0, help="seconds between them")
    p.add_argument("--size", type=int, default=8 * 1024, help="approximate mail size, bytes")
    p.add_argument("--ws-procs", type=int, default=2, help="websocket client processes")
    p.add_argument("--connect-parallel", type=int, default=50, help="per client process")
    p.add_argument(
        "--connect-order",
        choices=["interleaved", "grouped"],
        default="interleaved",
        help="interleaved: a member's sockets are opened far apart; grouped: together",
    )
    p.add_argument(
        "--compression",
        choices=["deflate", "none"],
        default="deflate",
        help="permessage-deflate offered by the clients, as browsers do (default)",
    )
    p.add_argument("--grace", type=float, default=10, help="wait for late pushes (s)")
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
    p.add_argument("--profile", metavar="OUT", help="py-spy the server during the phases")
    return p.parse_args(argv)


# --- websocket client process ---------------------------------------------------------------


def ws_worker(proc: int, cfg: dict[str, Any], sockets: list[tuple[int, int, str]], conn: Any):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise_nofile_limit()
    try:
        asyncio.run(_ws_worker(cfg, sockets, conn))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        try:
            conn.send({"fatal": f"{type(exc).__name__}: {exc}"})
        except OSError:
            pass


async def _ws_worker(cfg: dict[str, Any], sockets: list[tuple[int, int, str]], conn: Any):
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(cfg["connect_parallel"])
    records: list[tuple[int, float, str]] = []  # socket id, receive time, tag
    counts: Counter[str] = Counter()
    state = {"connected": 0, "failed": 0, "closed": 0, "other_frames": 0, "error_frames": 0}
    live: set[int] = set()
    failures: Counter[str] = Counter()
    websockets: list[Any] = []
    stop = asyncio.Event()

    async def one(sock: int, token: str) -> None:
        try:
            async with limit:
                compression = None if cfg["compression"] == "none" else "deflate"
                ws = await subscribed_socket(
                    cfg["ws_url"], token, SUBSCRIPTION, compression=compression
                )
                websockets.append(ws)
        except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed, RuntimeError) as exc:
            state["failed"] += 1
            failures[type(exc).__name__] += 1
            return
        state["connected"] += 1
        live.add(sock)
        try:
            async for raw in ws:
                now = time.monotonic()
                if isinstance(raw, bytes):
                    raw = raw.decode()
                if '"ping"' in raw and json.loads(raw).get("type") == "ping":
                    await ws.send('{"type": "pong"}')
                    continue
                m = TAG.search(raw)
                if m is None:
                    state["other_frames"] += 1
                    continue
                if '"errors"' in raw:
                    state["error_frames"] += 1
                records.append((sock, now, m.group(1)))
                counts[m.group(1)] += 1
        except ConnectionClosed as exc:
            if not stop.is_set():
                failures[f"closed {exc.rcvd.code if exc.rcvd else ''}"] += 1
        if not stop.is_set():
            state["closed"] += 1
            live.discard(sock)

    tasks = [asyncio.create_task(one(sock, token)) for sock, _member, token in sockets]
    cpu0 = time.process_time()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command[0] == "status":
            conn.send({**state, "live": sorted(live), "failures": dict(failures)})
        elif command[0] == "count":
            conn.send(sum(n for tag, n in counts.items() if tag.startswith(command[1])))
        elif command[0] == "cpu":
            conn.send(time.process_time() - cpu0)
        elif command[0] == "stop":
            break
    stop.set()
    await asyncio.gather(*(ws.close() for ws in websockets), return_exceptions=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send({**state, "records": records, "failures": dict(failures)})


class WsClients(ProcessPool):
    """The websocket client processes, driven over pipes."""

    def __init__(self, cfg: dict[str, Any], tokens: list[str], args: argparse.Namespace) -> None:
        total = args.members * args.per_member
        if args.connect_order == "grouped":
            plan = [(s, s // args.per_member) for s in range(total)]
        else:
            plan = [(s, s % args.members) for s in range(total)]
        self.member_of = dict(plan)
        n = args.ws_procs
        super().__init__(
            ws_worker,
            [(p, cfg, [(s, m, tokens[m]) for s, m in plan if s % n == p]) for p in range(n)],
        )

    def close(self) -> None:
        self.join()


# --- SMTP sending -----------------------------------------------------------------------------


class Sender:
    def __init__(self, port: int, run: str, size: int) -> None:
        self.port, self.run, self.size = port, run, size
        self.sent: dict[str, dict[str, Any]] = {}  # tag → recipients, data end, 250 time
        self.errors: Counter[str] = Counter()

    async def session(self) -> aiosmtplib.SMTP:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=self.port, timeout=120, start_tls=False)
        await smtp.connect()
        await smtp.ehlo()
        return smtp

    def payload(self, tag: str, recipients: list[int]) -> bytes:
        to = member_email(recipients[0]) if len(recipients) == 1 else f"all@{self.run}.example"
        subject = f"[{tag}] 新邮件提醒 push latency test"
        return dot_stuff(make_mail(len(self.sent), to, subject, self.size))

    async def send(self, smtp: aiosmtplib.SMTP, tag: str, recipients: list[int]) -> None:
        payload = self.payload(tag, recipients)
        try:
            await smtp.mail(SENDER, options=[f"SIZE={len(payload)}"])
            for member in recipients:
                await smtp.rcpt(member_email(member))
            response = await smtp.execute_command(b"DATA")
            if response.code != 354:
                raise aiosmtplib.SMTPDataError(response.code, response.message)
            smtp.protocol.write(payload)
            t_end = time.monotonic()
            response = await smtp.protocol.read_response(timeout=120)
            t_reply = time.monotonic()
        except aiosmtplib.SMTPResponseException as exc:
            self.errors[f"{exc.code} {exc.message[:60]}"] += 1
            await smtp.rset()
            return
        if response.code != 250:
            self.errors[f"{response.code} {response.message[:60]}"] += 1
            return
        self.sent[tag] = {"to": recipients, "end": t_end, "reply": t_reply}


# --- orchestration ------------------------------------------------------------------------------


async def wait_for(clients: WsClients, prefix: str, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    got = 0
    while time.monotonic() < deadline:
        got = sum(await clients.aask(("count", prefix)))
        if got >= expected:
            break
        await asyncio.sleep(0.2)
    return got


async def phases(args: argparse.Namespace, server: BenchServer, clients: WsClients, run: str):
    total_sockets = args.members * args.per_member
    started = time.monotonic()
    while time.monotonic() - started < 180:
        status = await clients.aask(("status",))
        done = sum(s["connected"] + s["failed"] for s in status)
        if done >= total_sockets:
            break
        await asyncio.sleep(0.5)
    connect_s = time.monotonic() - started
    live = {sock for s in status for sock in s["live"]}
    print(
        f"{len(live)} of {total_sockets} websockets subscribed in {connect_s:.1f} s "
        f"(failed: {sum(s['failed'] for s in status)})",
        flush=True,
    )
    await asyncio.sleep(1.0)  # let the last subscribe frames reach the server
    # before the SMTP sessions open: a session idle for 300 s is closed by the server
    quiet = None
    if args.wait_quiet:
        quiet = round(await asyncio.to_thread(wait_until_quiet, max_wait=args.quiet_wait), 2)
    sender = Sender(server.smtp_port, run, args.size)
    sessions = [await sender.session() for _ in range(max(1, args.smtp_sessions))]
    everyone = list(range(args.members))

    # warm-up: who is really subscribed?
    await sender.send(sessions[0], f"{run}-warm", everyone)
    warm = await wait_for(clients, f"{run}-warm", len(live), 20)
    print(f"warm-up: {warm} of {len(live)} subscribed sockets got the push", flush=True)

    spy = server.start_profiler(args.profile) if args.profile else None
    executions_before = executions(server)
    cpu_before = server.cpu()
    client_cpu0 = sum(await clients.aask(("cpu",)))

    # single-recipient mails at a steady rate
    todo: asyncio.Queue[int] = asyncio.Queue()
    for i in range(args.mails):
        todo.put_nowait(i)
    t0 = time.monotonic() + 0.2

    async def paced(smtp: aiosmtplib.SMTP) -> None:
        while not todo.empty():
            i = todo.get_nowait()
            await asyncio.sleep(max(0.0, t0 + i / args.rate - time.monotonic()))
            await sender.send(smtp, f"{run}-s{i}", [i % args.members])

    print(f"single: {args.mails} mails at {args.rate}/s ...", flush=True)
    await asyncio.gather(*(paced(s) for s in sessions))
    expected_single = _expected(sender, clients, live, "-s")
    await wait_for(clients, f"{run}-s", expected_single, args.grace)

    print(f"fan-out: {args.fanout} mails to all {args.members} members ...", flush=True)
    cpu_fan0 = server.cpu()
    for k in range(args.fanout):
        if k:
            await asyncio.sleep(args.fanout_gap)
        await sender.send(sessions[0], f"{run}-f{k}", everyone)
    expected_fan = _expected(sender, clients, live, "-f")
    await wait_for(clients, f"{run}-f", expected_fan, args.grace)
    cpu_fan1 = server.cpu()

    cpu_after = server.cpu()
    executions_after = executions(server)
    client_cpu = sum(await clients.aask(("cpu",))) - client_cpu0
    server.stop_profiler(spy)
    for smtp in sessions:
        try:
            await smtp.quit()
        except aiosmtplib.SMTPException:
            smtp.close()
    final_status = await clients.aask(("status",))
    results = await clients.aask(("stop",), timeout=120)
    return {
        "connect_s": connect_s,
        "live": live,
        "warm": warm,
        "sender": sender,
        "results": results,
        "final_status": final_status,
        "cpu_before": cpu_before,
        "cpu_after": cpu_after,
        "fanout_loop_cpu_s": cpu_fan1.main - cpu_fan0.main,
        "executions": None
        if executions_before is None or executions_after is None
        else executions_after - executions_before,
        "client_cpu": client_cpu,
        "quiet": quiet,
    }


def _expected(sender: Sender, clients: WsClients, live: set[int], kind: str) -> int:
    sockets_of: dict[int, int] = Counter(clients.member_of[s] for s in live)
    return sum(
        sum(sockets_of.get(m, 0) for m in info["to"])
        for tag, info in sender.sent.items()
        if tag.split("-", 1)[1].startswith(kind[1:])
    )


def analyse(args: argparse.Namespace, run: str, out: dict[str, Any]) -> dict[str, Any]:
    sender: Sender = out["sender"]
    live: set[int] = out["live"]
    member_sockets: dict[int, set[int]] = defaultdict(set)
    for sock, member in out["clients_member_of"].items():
        if sock in live:
            member_sockets[member].add(sock)
    received: dict[tuple[int, str], list[float]] = defaultdict(list)
    for result in out["results"]:
        for sock, t, tag in result["records"]:
            received[(sock, tag)].append(t)
    phases: dict[str, Any] = {}
    for name, kind in (("single", "s"), ("fanout", "f")):
        from_end: list[float] = []
        from_reply: list[float] = []
        per_mail_last: list[float] = []
        acks = [
            info["reply"] - info["end"]
            for tag, info in sender.sent.items()
            if tag.split("-", 1)[1].startswith(kind)
        ]
        expected = missed = duplicates = 0
        missed_sockets: Counter[int] = Counter()
        for tag, info in sender.sent.items():
            if not tag.split("-", 1)[1].startswith(kind):
                continue
            last = None
            for member in info["to"]:
                for sock in member_sockets.get(member, ()):
                    expected += 1
                    times = received.get((sock, tag))
                    if not times:
                        missed += 1
                        missed_sockets[sock] += 1
                        continue
                    duplicates += len(times) - 1
                    first = min(times)
                    from_end.append(first - info["end"])
                    from_reply.append(first - info["reply"])
                    last = max(last or 0.0, first - info["end"])
            if last is not None:
                per_mail_last.append(last)
        phases[name] = {
            "mails": sum(1 for t in sender.sent if t.split("-", 1)[1].startswith(kind)),
            "expected_pushes": expected,
            "received": len(from_end),
            "missed": missed,
            "sockets_missing_any": len(missed_sockets),
            "duplicates": duplicates,
            "latency_from_data_end": summary_ms(from_end, (50, 95, 99)),
            "latency_from_250": summary_ms(from_reply, (50, 95, 99)),
            "last_socket_per_mail": summary_ms(per_mail_last, (50, 99)),
            "smtp_data_end_to_250": summary_ms(acks, (50, 99)),
            "last_socket_each_mail_ms": [ms(x) for x in per_mail_last] if kind == "f" else None,
        }
    cpu_before, cpu_after = out["cpu_before"], out["cpu_after"]
    window = max(cpu_after.at - cpu_before.at, 1e-9)
    final = out["final_status"]
    problems, problem_lines = out["log"]
    single, fan = phases["single"], phases["fanout"]
    all_from_end = single["latency_from_data_end"], fan["latency_from_data_end"]
    return {
        "bench": "push_latency",
        "db": args.db,
        "broadcast": args.broadcast,
        "members": args.members,
        "per_member": args.per_member,
        "sockets": args.members * args.per_member,
        "subscribed": len(live),
        "dead_after_warmup": len(live) - out["warm"],
        "connect_s": round(out["connect_s"], 1),
        "ws_procs": args.ws_procs,
        "connect_order": args.connect_order,
        "compression": args.compression,
        "rate": args.rate,
        "smtp_errors": dict(sender.errors),
        "single": single,
        "fanout": fan,
        "p50_ms": single["latency_from_data_end"]["p50_ms"],
        "p95_ms": single["latency_from_data_end"]["p95_ms"],
        "p99_ms": single["latency_from_data_end"]["p99_ms"],
        "max_ms": single["latency_from_data_end"]["max_ms"],
        "missed": single["missed"] + fan["missed"],
        "fanout_p99_ms": fan["latency_from_data_end"]["p99_ms"],
        "target_p99_under_200ms": all(
            s["p99_ms"] is not None and s["p99_ms"] < 200 for s in all_from_end
        ),
        "sockets_closed_during_run": sum(s["closed"] for s in final),
        "ws_failures": dict(sum((Counter(s["failures"]) for s in final), Counter())),
        "error_frames": sum(r["error_frames"] for r in out["results"]),
        "selection_executions": out["executions"],
        "pushes_per_execution": round((single["received"] + fan["received"]) / out["executions"], 2)
        if out["executions"]
        else None,
        "other_frames": sum(r["other_frames"] for r in out["results"]),
        "server_cpu_cores": round((cpu_after.total - cpu_before.total) / window, 2),
        "server_loop_thread_cpu": round((cpu_after.main - cpu_before.main) / window, 2),
        "fanout_loop_cpu_ms_per_mail": round(
            out["fanout_loop_cpu_s"] * 1000 / max(1, args.fanout), 1
        ),
        "server_kernel_cpu": round((cpu_after.system - cpu_before.system) / window, 2),
        "machine_cpu_cores": round((cpu_after.machine - cpu_before.machine) / window, 2),
        "pg_redis_cpu_cores": round((cpu_after.services - cpu_before.services) / window, 2),
        "load_before": out["quiet"],
        "other_cpu_cores": round(
            (
                cpu_after.machine
                - cpu_before.machine
                - cpu_after.total
                + cpu_before.total
                - cpu_after.services
                + cpu_before.services
                - out["client_cpu"]
            )
            / window,
            2,
        ),
        "client_ws_cpu_cores": round(out["client_cpu"] / window, 2),
        "provision_s": round(out["provision_s"], 1),
        "server_log_errors": problems,
        "server_log_first_errors": problem_lines,
        "machine": machine(),
        "code": code_state(),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile_limit()
    # One load generator on loopback stands for many clients: no per-address limit.
    server = BenchServer(
        db=args.db,
        broadcast=args.broadcast,
        keep=args.keep,
        extra_env={"QIYOU_HTTP_MAX_CONNECTIONS_PER_IP": "0"},
    )
    clients: WsClients | None = None
    try:
        server.create_database()
        print(f"provisioning {args.members} members ({args.db}, {args.broadcast}) ...", flush=True)
        provision_s = provision(server, args.members)
        server.start()
        emails = [member_email(i) for i in range(args.members)]
        tokens = asyncio.run(login_all(server.graphql_url, emails))
        run_id = uuid.uuid4().hex[:8]
        cfg = {
            "ws_url": server.ws_url,
            "connect_parallel": args.connect_parallel,
            "compression": args.compression,
        }
        print(
            f"opening {args.members * args.per_member} websockets in {args.ws_procs} "
            "client process(es) ...",
            flush=True,
        )
        clients = WsClients(cfg, [tokens[e] for e in emails], args)
        out = asyncio.run(
            asyncio.wait_for(phases(args, server, clients, run_id), 900 + args.quiet_wait)
        )
        out["clients_member_of"] = clients.member_of
        out["provision_s"] = provision_s
        server.stop()  # subscriptions end at shutdown: their errors count too
        out["log"] = server.log_problems()
        return analyse(args, run_id, out)
    finally:
        if clients is not None:
            clients.close()
        server.close()


def print_summary(f: dict[str, Any]) -> None:
    print()
    print(
        f"Push latency  db={f['db']} broadcast={f['broadcast']}  {f['subscribed']} of "
        f"{f['sockets']} websockets subscribed ({f['members']} members × {f['per_member']}), "
        f"{f['ws_procs']} client proc(s)"
    )
    print(
        f"  dead after warm-up {f['dead_after_warmup']}, closed during run "
        f"{f['sockets_closed_during_run']}, ws failures {f['ws_failures'] or 'none'}, "
        f"SMTP errors {f['smtp_errors'] or 'none'}"
    )
    for name, title in (("single", "one member each"), ("fanout", "all members each")):
        p = f[name]
        e, r, last = p["latency_from_data_end"], p["latency_from_250"], p["last_socket_per_mail"]
        print(
            f"  {name:7s} {p['mails']} mails ({title}): {p['received']}/{p['expected_pushes']} "
            f"pushes, missed {p['missed']}, duplicates {p['duplicates']}"
        )
        print(
            f"          DATA end → push  p50 {fmt_ms(e['p50_ms'])}  p95 {fmt_ms(e['p95_ms'])}  "
            f"p99 {fmt_ms(e['p99_ms'])}  max {fmt_ms(e['max_ms'])}"
        )
        print(
            f"          250 → push       p50 {fmt_ms(r['p50_ms'])}  p95 {fmt_ms(r['p95_ms'])}  "
            f"p99 {fmt_ms(r['p99_ms'])}  max {fmt_ms(r['max_ms'])}"
        )
        ack = p["smtp_data_end_to_250"]
        print(
            f"          last socket per mail  p50 {fmt_ms(last['p50_ms'])}  "
            f"p99 {fmt_ms(last['p99_ms'])};  SMTP DATA end → 250  p50 {fmt_ms(ack['p50_ms'])}  "
            f"max {fmt_ms(ack['max_ms'])}"
        )
    print(
        f"  CPU cores used  server {f['server_cpu_cores']} (event-loop thread "
        f"{f['server_loop_thread_cpu']}, in kernel {f['server_kernel_cpu']}), "
        f"websocket clients {f['client_ws_cpu_cores']}, "
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
        f"  event-loop CPU per fan-out mail (ingest of its copies and all its pushes): "
        f"{f['fanout_loop_cpu_ms_per_mail']} ms"
    )
    if f["selection_executions"] is not None:  # code with shared subscriptions
        print(
            f"  subscription selections executed {f['selection_executions']:.0f} "
            f"(pushes per execution {f['pushes_per_execution']})"
        )
    print(f"  server log errors {f['server_log_errors']}")
    for line in f["server_log_first_errors"]:
        print(f"    {line[:200]}")
    m = f["machine"]
    print(
        f"  machine: {m['cpus']} × {m['cpu_model']}, {m['ram_gib']} GiB RAM, "
        f"fsync of 20 KB p50 {m['fsync_20k_p50_ms']} ms; server code "
        f"{f['code']['sha256_12']} (last change {f['code']['newest_change']})"
    )
    met = f["target_p99_under_200ms"] and f["missed"] == 0
    print(
        f"  target push p99 < 200 ms with {f['sockets']} subscribers, nothing missed: "
        f"{'MET' if met else 'NOT MET'}"
    )
    print()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    figures = run(args)
    figures["skewed_by_other_load"] = figures["other_cpu_cores"] > OTHER_LOAD_LIMIT
    print_summary(figures)
    print_json(figures)
    return 0 if figures["subscribed"] else 1


if __name__ == "__main__":
    sys.exit(main())
