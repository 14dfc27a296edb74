"""Idle subscribers: 10,000 websockets subscribed to ``newMail`` on one ``qiyou serve``.

Starts its own server (fresh temp data dir, SQLite and the memory bus by default; the
HTTP connection limit raised above the socket count, no per-address limit: one load
generator on loopback stands for many clients), provisions ``--members`` members with the
real ``qiyou`` CLI (the first; the rest through the service the CLI calls, in one process,
which takes seconds instead of minutes) and logs each in once. ``--ws-procs`` client
processes then open ``--members`` × ``--per-member`` graphql-transport-ws connections
(default 500 × 20 = 10,000), each authenticated in ``connection_init`` and subscribed to
``subscription { newMail { id subject ... } }``, and hold them idle (pings answered).

Reports the server process's memory from ``/proc/<pid>/status`` (VmRSS, VmHWM) before
the sockets, once all are subscribed and idle for ``--idle`` seconds, and after one mail
to every member (sent in SMTP transactions of ``--rcpt`` recipients) has been pushed:
how many sockets got it, and when the last one did (from the end of the first DATA).
Then one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiosmtplib
from benchlib import (
    DOMAIN,
    PASSWORD,
    ROOT,
    BenchServer,
    ProcessPool,
    code_state,
    dot_stuff,
    exit_on_sigterm,
    login_all,
    machine,
    make_mail,
    member_email,
    print_json,
    raise_nofile_limit,
    subscribed_socket,
)
from websockets.exceptions import ConnectionClosed, InvalidHandshake

SENDER = "alerts@partner.example"
SUBSCRIPTION = "subscription { newMail { id subject folder date from { address name } } }"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--broadcast", choices=["memory", "redis"], default="memory")
    p.add_argument("--members", type=int, default=500)
    p.add_argument("--per-member", type=int, default=20, help="websockets per member")
    p.add_argument("--ws-procs", type=int, default=4, help="websocket client processes")
    p.add_argument("--connect-parallel", type=int, default=100, help="per client process")
    p.add_argument("--idle", type=float, default=10, help="seconds idle before measuring")
    p.add_argument("--rcpt", type=int, default=100, help="recipients per SMTP transaction")
    p.add_argument("--grace", type=float, default=60, help="wait for the pushes (s)")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir (server log)")
    return p.parse_args(argv)


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = round(int(value.split()[0]) / 1024, 1)
    return found


PROVISION = """
import asyncio, sys
from mailcore.core.config import Settings
from mailcore.core.db import close_db, open_db
from mailcore.org.service import add_member
async def main(first, last, password):
    settings = Settings.from_env()
    await open_db(settings)
    try:
        for i in range(first, last):
            await add_member(
                f"m{i:04d}@%s", password, name=f"成员 {i} Member", vip=True,
                quota=settings.default_quota,
            )
    finally:
        await close_db()
asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
"""


def provision(server: BenchServer, members: int) -> float:
    """The bench domain and its first member with the ``qiyou`` CLI (which migrates), the
    others with ``add_member`` (what ``qiyou user add`` calls) in one process; seconds."""
    started = time.monotonic()
    server.cli("domain", "add", DOMAIN)
    server.cli("user", "add", member_email(0), "--password", PASSWORD, "--vip")
    script = PROVISION % DOMAIN
    command = [sys.executable, "-c", script, "1", str(members), PASSWORD]
    subprocess.run(command, env=server.env(), cwd=ROOT, check=True, timeout=1800)
    return time.monotonic() - started


def descriptors(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


# --- websocket client process ---------------------------------------------------------------


def ws_worker(cfg: dict[str, Any], tokens: list[str], conn: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise_nofile_limit()
    try:
        asyncio.run(_ws_worker(cfg, tokens, conn))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        try:
            conn.send({"fatal": f"{type(exc).__name__}: {exc}"})
        except OSError:
            pass


async def _ws_worker(cfg: dict[str, Any], tokens: list[str], conn: Any) -> None:
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(cfg["connect_parallel"])
    state = {"connected": 0, "failed": 0, "closed": 0}
    failures: Counter[str] = Counter()
    received: dict[str, list[float]] = {}  # tag → receive times
    websockets: list[Any] = []
    stop = asyncio.Event()

    async def one(token: str) -> None:
        try:
            async with limit:
                ws = await subscribed_socket(cfg["ws_url"], token, SUBSCRIPTION, timeout=120)
                websockets.append(ws)
        except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed, RuntimeError) as exc:
            state["failed"] += 1
            failures[type(exc).__name__] += 1
            return
        state["connected"] += 1
        try:
            async for raw in ws:
                now = time.monotonic()
                message = json.loads(raw)
                if message.get("type") == "ping":
                    await ws.send('{"type": "pong"}')
                elif message.get("type") == "next":
                    subject = message["payload"]["data"]["newMail"]["subject"]
                    received.setdefault(subject.split("]")[0].lstrip("["), []).append(now)
        except ConnectionClosed as exc:
            if not stop.is_set():
                failures[f"closed {exc.rcvd.code if exc.rcvd else ''}"] += 1
        if not stop.is_set():
            state["closed"] += 1

    tasks = [asyncio.create_task(one(token)) for token in tokens]
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command[0] == "status":
            conn.send({**state, "failures": dict(failures)})
        elif command[0] == "received":
            conn.send(received.get(command[1], []))
        elif command[0] == "stop":
            break
    stop.set()
    await asyncio.gather(*(ws.close() for ws in websockets), return_exceptions=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send("stopped")


# --- orchestration ------------------------------------------------------------------------------


async def send_to_all(server: BenchServer, members: int, rcpt: int, tag: str) -> float:
    """One mail to every member, ``rcpt`` recipients per transaction; the first DATA end."""
    smtp = aiosmtplib.SMTP(
        hostname="127.0.0.1", port=server.smtp_port, timeout=120, start_tls=False
    )
    await smtp.connect()
    await smtp.ehlo()
    first_end = 0.0
    for start in range(0, members, rcpt):
        group = [member_email(i) for i in range(start, min(members, start + rcpt))]
        payload = dot_stuff(make_mail(start, group[0], f"[{tag}] 全员通知 idle subscribers", 4096))
        await smtp.mail(SENDER, options=[f"SIZE={len(payload)}"])
        for address in group:
            await smtp.rcpt(address)
        response = await smtp.execute_command(b"DATA")
        if response.code != 354:
            raise RuntimeError(f"DATA refused: {response.code} {response.message}")
        smtp.protocol.write(payload)
        first_end = first_end or time.monotonic()
        response = await smtp.protocol.read_response(timeout=120)
        if response.code != 250:
            raise RuntimeError(f"mail refused: {response.code} {response.message}")
    await smtp.quit()
    return first_end


async def phases(args: argparse.Namespace, server: BenchServer, clients: ProcessPool) -> dict:
    assert server.process is not None
    pid = server.process.pid
    total = args.members * args.per_member
    started = time.monotonic()
    while True:
        status = await clients.aask(("status",))
        done = sum(s["connected"] + s["failed"] for s in status)
        if done >= total or time.monotonic() - started > 600:
            break
        await asyncio.sleep(1)
    connect_s = time.monotonic() - started
    connected = sum(s["connected"] for s in status)
    print(f"{connected} of {total} websockets subscribed in {connect_s:.1f} s", flush=True)
    await asyncio.sleep(args.idle)
    idle = {**memory(pid), "fds": descriptors(pid)}
    print(f"server idle with {connected} subscribers: {idle}", flush=True)

    tag = uuid.uuid4().hex[:8]
    first_end = await send_to_all(server, args.members, args.rcpt, tag)
    deadline = time.monotonic() + args.grace
    times: list[float] = []
    while time.monotonic() < deadline:
        times = [t for got in await clients.aask(("received", tag)) for t in got]
        if len(times) >= connected:
            break
        await asyncio.sleep(0.5)
    after = memory(pid)
    status = await clients.aask(("status",))
    return {
        "connect_s": round(connect_s, 1),
        "subscribed": connected,
        "failed": sum(s["failed"] for s in status),
        "closed_while_idle": sum(s["closed"] for s in status),
        "failures": dict(sum((Counter(s["failures"]) for s in status), Counter())),
        "idle": idle,
        "pushed": len(times),
        "last_push_ms": round((max(times) - first_end) * 1000, 1) if times else None,
        "after_push": after,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile_limit()  # the server inherits it
    total = args.members * args.per_member
    server = BenchServer(
        db=args.db,
        broadcast=args.broadcast,
        keep=args.keep,
        extra_env={
            "QIYOU_HTTP_MAX_CONNECTIONS_PER_IP": "0",
            "QIYOU_HTTP_MAX_CONNECTIONS": str(total + 500),
        },
    )
    clients: ProcessPool | None = None
    try:
        server.create_database()
        print(f"provisioning {args.members} members ({args.db}, {args.broadcast}) ...", flush=True)
        provision_s = provision(server, args.members)
        server.start()
        assert server.process is not None
        emails = [member_email(i) for i in range(args.members)]
        tokens = asyncio.run(login_all(server.graphql_url, emails))
        before = memory(server.process.pid)
        print(f"server before the sockets: {before}; opening {total} websockets ...", flush=True)
        plan = [tokens[emails[s % args.members]] for s in range(total)]
        n = args.ws_procs
        cfg = {"ws_url": server.ws_url, "connect_parallel": args.connect_parallel}
        clients = ProcessPool(ws_worker, [(cfg, plan[p::n]) for p in range(n)])
        out = asyncio.run(phases(args, server, clients))
        clients.ask(("stop",), timeout=120)
        server.stop()
        problems, lines = server.log_problems()
        return {
            "bench": "idle_subscribers",
            "db": args.db,
            "broadcast": args.broadcast,
            "members": args.members,
            "per_member": args.per_member,
            "sockets": total,
            "provision_s": round(provision_s, 1),
            "before": before,
            **out,
            "rss_per_socket_kib": round(
                (out["idle"]["VmRSS"] - before["VmRSS"]) * 1024 / max(1, out["subscribed"]), 1
            ),
            "server_log_errors": problems,
            "server_log_first_errors": lines,
            "machine": machine(),
            "code": code_state(),
        }
    finally:
        if clients is not None:
            clients.join()
        server.close()


def print_summary(f: dict[str, Any]) -> None:
    print()
    print(
        f"Idle subscribers  db={f['db']} broadcast={f['broadcast']}  {f['subscribed']} of "
        f"{f['sockets']} websockets subscribed ({f['members']} members × {f['per_member']}) "
        f"in {f['connect_s']} s; failed {f['failed']}, closed while idle "
        f"{f['closed_while_idle']} {f['failures'] or ''}"
    )
    b, i, a = f["before"], f["idle"], f["after_push"]
    print(f"  server RSS before the sockets {b['VmRSS']} MiB (peak {b['VmHWM']})")
    print(
        f"  server RSS with them, idle    {i['VmRSS']} MiB (peak {i['VmHWM']}), "
        f"{f['rss_per_socket_kib']} KiB per socket, {i['fds']} descriptors"
    )
    print(
        f"  one mail to every member: {f['pushed']} of {f['subscribed']} sockets got the push, "
        f"the last {f['last_push_ms']} ms after the first DATA end; RSS then {a['VmRSS']} MiB "
        f"(peak {a['VmHWM']})"
    )
    print(f"  server log errors {f['server_log_errors']}")
    for line in f["server_log_first_errors"]:
        print(f"    {line[:200]}")
    m = f["machine"]
    print(f"  machine: {m['cpus']} × {m['cpu_model']}, {m['ram_gib']} GiB RAM")
    print()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    figures = run(args)
    print_summary(figures)
    print_json(figures)
    return 0 if figures["subscribed"] == figures["sockets"] == figures["pushed"] else 1


if __name__ == "__main__":
    sys.exit(main())
