"""Notice fan-out benchmark: one company notice to 10,000 members, stored and pushed live.

Starts its own ``qiyou serve`` (fresh temp data dir; ``--db sqlite`` (default) or
``postgres``, ``--broadcast memory`` (default) or ``redis``). With ``--http-procs N`` (on
PostgreSQL + Redis) N-1 more processes ``serve --no-migrate --roles http`` share its database
and bus, each on its own port (as the http nodes behind the proxy in deploy/); the
websockets are spread evenly over all N and the notice is posted to the first one, so the
push reaches the others over Redis.

Before the server starts, ``--members`` members are provisioned in-process (one real
``add_domain``; then members, their system folders and department memberships in bulk,
sharing one cheap argon2 hash, spread over ``--departments`` departments: ``bulk_create``
on SQLite, three ``INSERT ... SELECT`` on PostgreSQL); an admin is created with the real
``add_member`` and made super admin with the real ``grant``. ``--subscribers`` members (each
a different one, spread over the enterprise) get a login session from the real
``start_session`` there too (10,000 GraphQL logins would take minutes). Provisioning is not
measured.

Then each subscriber opens a graphql-transport-ws connection with its token, in
``--ws-procs`` client processes, subscribed to ``subscription { noticePosted { id title
author { name address } createdAt } }``. A warm-up notice proves every subscription is live.
Each of ``--rounds`` measured rounds posts one notice to the whole company with the
``postNotice`` mutation (the real code path; the admin logs in over GraphQL) and records,
from the moment the request is sent:

* ``stored``: the mutation's answer; it comes after the commit of the notice and of every
  receipt (checked afterwards: the receipts counted in the database must equal the members);
* ``push``: when each subscriber's client read the ``noticePosted`` frame (p50/p99/max);
* ``reached``: the later of the two: every member stored and every subscriber pushed.

Clocks are the machine's monotonic clock, shared by all processes. Prints a summary, then
one line of JSON. The target (``--target``): reached in under 3 s for 10,000 members; issue
18 asks for 100,000 members and 10,000 sockets on PostgreSQL + Redis with two http
processes in under 5 s::

    bench/notice_fanout.py --db postgres --members 100000 --subscribers 10000 \
        --http-procs 2 --ws-procs 4 --target 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    DOMAIN,
    PASSWORD,
    BenchServer,
    ProcessPool,
    exit_on_sigterm,
    fmt_ms,
    login_all,
    machine,
    member_email,
    print_json,
    raise_nofile_limit,
    subscribed_socket,
    summary_ms,
    wait_until_quiet,
)
from multinode_ingest import RoleServer
from tortoise.connection import get_connections
from websockets.exceptions import ConnectionClosed, InvalidHandshake

ADMIN = f"admin@{DOMAIN}"
SUBSCRIPTION = "subscription { noticePosted { id title author { name address } createdAt } }"
POST = """
mutation P($i: NoticeInput!) {
  postNotice(input: $i) {
    __typename
    ... on PostedNotice { recipients notice { id } }
    ... on NoticeError { code message }
  }
}
"""
TARGET_S = 3.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--broadcast", choices=["memory", "redis"], default=None,
                   help="default: memory with sqlite, redis with postgres")  # fmt: skip
    p.add_argument("--members", type=int, default=10_000)
    p.add_argument("--departments", type=int, default=50, help="members spread over these")
    p.add_argument("--subscribers", type=int, default=1000, help="websockets, one per member")
    p.add_argument("--ws-procs", type=int, default=2, help="websocket client processes")
    p.add_argument("--http-procs", type=int, default=1,
                   help="processes with the http role (above 1: PostgreSQL + Redis)")  # fmt: skip
    p.add_argument("--connect-wait", type=float, default=600,
                   help="seconds to wait for every websocket to subscribe")  # fmt: skip
    p.add_argument("--target", type=float, default=TARGET_S, help="reached within (s)")
    p.add_argument("--rounds", type=int, default=3, help="measured notices")
    p.add_argument("--keep", action="store_true", help="keep the temp data dir (server log)")
    p.add_argument(
        "--no-wait-quiet",
        dest="wait_quiet",
        action="store_false",
        help="do not wait (up to 120 s) for other load on the machine to stop first",
    )
    args = p.parse_args(argv)
    if args.broadcast is None:
        args.broadcast = "redis" if args.db == "postgres" else "memory"
    if args.http_procs > 1 and (args.db, args.broadcast) != ("postgres", "redis"):
        p.error("--http-procs above 1 needs --db postgres --broadcast redis")
    return args


# --- provisioning (in-process, before the server starts) -----------------------------------


async def _provision(env: dict[str, str], members: int, departments: int, sessions: str) -> None:
    """Provision the company; then start a login session (``start_session``, as a login
    does after its checks) for each address listed in the JSON file ``sessions``, whose
    tokens replace the list there (10,000 GraphQL logins take minutes on a small machine)."""
    from argon2 import PasswordHasher

    from mailcore.admin.roles import grant
    from mailcore.admin.scope import system_scope
    from mailcore.core.config import Settings
    from mailcore.core.db import close_db, open_db
    from mailcore.core.models import Department, DepartmentMember, Folder, Member
    from mailcore.directory.tree import root_department
    from mailcore.org.service import add_domain, add_member
    from mailcore.org.sessions import start_session
    from mailcore.store.folders import SYSTEM_FOLDERS

    await open_db(Settings.from_env(env))
    try:
        domain = await add_domain(DOMAIN)
        admin = await add_member(ADMIN, PASSWORD, name="Bench Admin", vip=True, quota=0)
        await grant(system_scope(domain.enterprise_id), admin, is_super=True)
        root = await root_department(domain.enterprise_id)
        depts = [
            await Department.create(
                enterprise_id=domain.enterprise_id, parent_id=root.id, name=f"部门 {i}"
            )
            for i in range(departments)
        ]
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
        targets = [d.id for d in depts] or [root.id]
        postgres = get_connections().get("default").capabilities.dialect == "postgres"
        if postgres:
            await _provision_pg(admin.id, members, cheap, targets)
        chunk = 1000
        for start in range(0, members if not postgres else 0, chunk):
            batch = range(start, min(start + chunk, members))
            await Member.bulk_create(
                [
                    Member(
                        enterprise_id=domain.enterprise_id,
                        domain_id=domain.id,
                        email=member_email(i),
                        name=f"成员 {i} Member",
                        password_hash=cheap,
                        is_vip=True,
                        quota_bytes=0,
                    )
                    for i in batch
                ]
            )
            ids = await Member.filter(email__in=[member_email(i) for i in batch]).values_list(
                "email", "id"
            )
            by_email = dict(ids)
            await Folder.bulk_create(
                [
                    Folder(member_id=by_email[member_email(i)], name=name, role=role)
                    for i in batch
                    for role, name in SYSTEM_FOLDERS.items()
                ]
            )
            await DepartmentMember.bulk_create(
                [
                    DepartmentMember(
                        department_id=targets[i % len(targets)],
                        member_id=by_email[member_email(i)],
                    )
                    for i in batch
                ]
            )
        path = Path(sessions)
        emails = json.loads(path.read_text())
        found = {m.email: m for m in await Member.filter(email__in=emails)}
        tokens = {e: await start_session(found[e], client="notice_fanout") for e in emails}
        path.write_text(json.dumps(tokens))
    finally:
        await close_db()


async def _provision_pg(
    template_id: int, members: int, password_hash: str, depts: list[int]
) -> None:
    """On PostgreSQL, three INSERT ... SELECT on the server (100,000 members in seconds): the
    members copy every column of the admin ``template_id`` but their address, name, password
    and quota; their system folders copy the admin's; department ``depts[i % len]``."""
    db = get_connections().get("default")
    rows = await db.execute_query_dict(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'member'"
        " AND table_schema = current_schema() ORDER BY ordinal_position"
    )
    own = {
        "email": f"'m' || lpad(i::text, greatest(4, length(i::text)), '0') || '@{DOMAIN}'",
        "name": "'成员 ' || i || ' Member'",
        "password_hash": "$1",
        "is_vip": "true",
        "quota_bytes": "0",
        "created_at": "now()",
    }
    columns = [r["column_name"] for r in rows if r["column_name"] != "id"]
    values = ", ".join(own.get(c, f"t.{c}") for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    await db.execute_query(
        f"INSERT INTO member ({names}) SELECT {values} FROM member t,"
        f" generate_series(0, {members - 1}) AS i WHERE t.id = {template_id} ORDER BY i",
        [password_hash],
    )
    await db.execute_query(
        "INSERT INTO folder (name, role, created_at, member_id, uid_next, subscribed)"
        " SELECT f.name, f.role, now(), m.id, 1, true FROM member m"
        f" JOIN folder f ON f.member_id = {template_id} AND f.parent_id IS NULL"
        f" WHERE m.id <> {template_id} AND m.email LIKE 'm%@{DOMAIN}'"
    )
    await db.execute_query(
        "INSERT INTO department_member (department_id, member_id)"
        " SELECT ($1::int[])[1 + (substr(split_part(m.email, '@', 1), 2)::int % $2)], m.id"
        f" FROM member m WHERE m.id <> {template_id} AND m.email LIKE 'm%@{DOMAIN}'",
        [depts, len(depts)],
    )
    await db.execute_script("ANALYZE member; ANALYZE folder; ANALYZE department_member")


def provision(
    server: BenchServer, members: int, departments: int, subscribers: list[str]
) -> tuple[float, dict[str, str]]:
    """Seconds spent, and a bearer token per address in ``subscribers``."""
    started = time.monotonic()
    env = server.env()
    sessions = server.data_dir / "bench-sessions.json"
    sessions.write_text(json.dumps(subscribers))
    code = (
        "import asyncio, json, sys; sys.path.insert(0, 'bench');"
        "from notice_fanout import _provision;"
        f"asyncio.run(_provision(json.loads(sys.argv[1]), {members}, {departments}, sys.argv[2]))"
    )
    subprocess.run(
        [sys.executable, "-c", code, json.dumps(env), str(sessions)],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        check=True,
        timeout=900,
    )
    return time.monotonic() - started, json.loads(sessions.read_text())


def stored_receipts(server: BenchServer, notice_id: str) -> int:
    sql = f"SELECT count(*) FROM notice_receipt WHERE notice_id = {int(notice_id)}"
    if server.pg_db:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", server.pg_db, "-tA", "-c", sql],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return int(out.stdout.strip())
    with sqlite3.connect(server.data_dir / "qiyou.sqlite3", timeout=30) as db:
        return db.execute(sql).fetchone()[0]


# --- websocket client processes -------------------------------------------------------------


def ws_worker(targets: list[tuple[str, str]], conn: Any) -> None:
    raise_nofile_limit()
    try:
        asyncio.run(_ws_worker(targets, conn))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        try:
            conn.send({"fatal": f"{type(exc).__name__}: {exc}"})
        except OSError:
            pass


async def _ws_worker(targets: list[tuple[str, str]], conn: Any) -> None:
    """One websocket per ``(url, token)``, subscribed; answers the parent's commands."""
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(50)
    received: dict[str, list[float]] = {}  # notice title → receive times
    state = {"connected": 0, "failed": 0, "closed": 0, "errors": 0}
    sockets: list[Any] = []
    stop = asyncio.Event()

    async def one(url: str, token: str) -> None:
        try:
            async with limit:
                ws = await subscribed_socket(url, token, SUBSCRIPTION, max_size=2**20)
                sockets.append(ws)
        except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed, RuntimeError):
            state["failed"] += 1
            return
        state["connected"] += 1
        try:
            async for raw in ws:
                now = time.monotonic()
                message = json.loads(raw)
                if message.get("type") == "ping":
                    await ws.send('{"type": "pong"}')
                elif message.get("type") == "next":
                    data = message["payload"].get("data") or {}
                    if message["payload"].get("errors") or not data.get("noticePosted"):
                        state["errors"] += 1
                        continue
                    received.setdefault(data["noticePosted"]["title"], []).append(now)
        except ConnectionClosed:
            pass
        if not stop.is_set():
            state["closed"] += 1

    tasks = [asyncio.create_task(one(url, token)) for url, token in targets]
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command[0] == "status":
            conn.send(dict(state))
        elif command[0] == "count":
            conn.send(len(received.get(command[1], [])))
        elif command[0] == "times":
            conn.send(received.get(command[1], []))
        elif command[0] == "stop":
            break
    stop.set()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send(dict(state))


class WsClients(ProcessPool):
    def __init__(self, targets: list[tuple[str, str]], procs: int) -> None:
        """``targets``: ``(websocket url, token)`` pairs, dealt over ``procs`` processes."""
        n = max(1, procs)
        super().__init__(ws_worker, [(targets[p::n],) for p in range(n)])

    def close(self) -> None:
        try:
            self.ask(("stop",), timeout=30)
        except (RuntimeError, OSError):
            pass
        self.join()


# --- the run -------------------------------------------------------------------------------


async def post_notice(http: httpx.AsyncClient, url: str, token: str, title: str) -> dict:
    response = await http.post(
        url,
        json={"query": POST, "variables": {"i": {"title": title, "body": "公告 notice body"}}},
        headers={"Authorization": f"Bearer {token}"},
    )
    result = response.json()
    if result.get("errors") or result["data"]["postNotice"]["__typename"] != "PostedNotice":
        raise RuntimeError(f"postNotice failed: {result}")
    return result["data"]["postNotice"]


async def wait_pushes(clients: WsClients, title: str, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    got = 0
    while time.monotonic() < deadline:
        got = sum(await clients.aask(("count", title)))
        if got >= expected:
            break
        await asyncio.sleep(0.05)
    return got


async def measure(args: argparse.Namespace, server: BenchServer, clients: WsClients) -> dict:
    started = time.monotonic()
    while time.monotonic() - started < args.connect_wait:
        status = await clients.aask(("status",))
        if sum(s["connected"] + s["failed"] for s in status) >= args.subscribers:
            break
        await asyncio.sleep(0.5)
    connected = sum(s["connected"] for s in status)
    print(f"{connected} of {args.subscribers} websockets subscribed", flush=True)
    await asyncio.sleep(1.0)  # let the last subscribe frames reach the server
    token = (await login_all(server.graphql_url, [ADMIN]))[ADMIN]
    run = uuid.uuid4().hex[:8]
    rounds = []
    async with httpx.AsyncClient(timeout=120) as http:
        warm = f"warm-up {run}"
        await post_notice(http, server.graphql_url, token, warm)
        live = await wait_pushes(clients, warm, connected, 30)
        print(f"warm-up: {live} of {connected} subscribers got the push", flush=True)
        quiet = round(await asyncio.to_thread(wait_until_quiet), 2) if args.wait_quiet else None
        for r in range(args.rounds):
            title = f"公告 round {r} {run}"
            t0 = time.monotonic()
            posted = await post_notice(http, server.graphql_url, token, title)
            stored_s = time.monotonic() - t0
            got = await wait_pushes(clients, title, live, 60)
            times = [t - t0 for ts in await clients.aask(("times", title)) for t in ts]
            receipts = stored_receipts(server, posted["notice"]["id"])
            last_push = max(times) if times else None
            reached = max(stored_s, last_push) if last_push is not None else None
            rounds.append(
                {
                    "recipients": posted["recipients"],
                    "receipts_in_db": receipts,
                    "stored_s": round(stored_s, 3),
                    "pushed": got,
                    "push": summary_ms(times, (50, 99)),
                    "reached_s": round(reached, 3) if reached is not None else None,
                }
            )
            print(
                f"round {r}: {posted['recipients']} receipts stored in {stored_s * 1000:.0f} ms "
                f"({receipts} in the database); {got}/{live} pushes, last at "
                f"{fmt_ms(rounds[-1]['push']['max_ms'])}",
                flush=True,
            )
            await asyncio.sleep(1.0)
    return {"connected": connected, "live": live, "rounds": rounds, "load_before": quiet}


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
    nodes: list[BenchServer] = [server]
    try:
        server.create_database()
        step = max(1, args.members // max(1, args.subscribers))
        emails = [member_email(i) for i in range(0, args.members, step)][: args.subscribers]
        print(f"provisioning {args.members} members ({args.db}) ...", flush=True)
        provision_s, tokens = provision(server, args.members, args.departments, emails)
        server.start()
        for _ in range(args.http_procs - 1):
            node = RoleServer(
                db=args.db, broadcast=args.broadcast, keep=args.keep, extra_env=server.extra_env
            )
            node.roles, node.base = "http", server
            nodes.append(node)
            node.start()
        targets = [(nodes[i % len(nodes)].ws_url, tokens[e]) for i, e in enumerate(emails)]
        clients = WsClients(targets, args.ws_procs)
        out = asyncio.run(asyncio.wait_for(measure(args, server, clients), 900))
        problems, first = 0, []
        for node in nodes:
            count, lines = node.log_problems()
            problems, first = problems + count, first + lines
    finally:
        if clients is not None:
            clients.close()
        for node in reversed(nodes):
            node.close()
    rounds = out["rounds"]
    reached = [r["reached_s"] for r in rounds if r["reached_s"] is not None]
    complete = all(
        r["receipts_in_db"] == r["recipients"] >= args.members and r["pushed"] >= out["live"]
        for r in rounds
    )
    return {
        "bench": "notice_fanout",
        "db": args.db,
        "broadcast": args.broadcast,
        "members": args.members,
        "subscribers": args.subscribers,
        "subscribed": out["connected"],
        "live_after_warmup": out["live"],
        "rounds": rounds,
        "best_reached_s": min(reached) if reached else None,
        "worst_reached_s": max(reached) if reached else None,
        "http_procs": args.http_procs,
        "target_s": args.target,
        "target_met": complete and bool(reached) and max(reached) < args.target,
        "provision_s": round(provision_s, 1),
        "load_before": out["load_before"],
        "server_log_errors": problems,
        "server_log_first_errors": first,
        "machine": machine(),
    }


def print_summary(f: dict[str, Any]) -> None:
    print()
    print(
        f"Notice fan-out  db={f['db']} broadcast={f['broadcast']} "
        f"http×{f['http_procs']}  {f['members']} members, "
        f"{f['live_after_warmup']} of {f['subscribers']} subscribers live"
    )
    for i, r in enumerate(f["rounds"]):
        p = r["push"]
        print(
            f"  round {i}: stored {r['stored_s'] * 1000:.0f} ms ({r['receipts_in_db']} receipts)"
            f"  push p50 {fmt_ms(p['p50_ms'])}  p99 {fmt_ms(p['p99_ms'])}  "
            f"max {fmt_ms(p['max_ms'])}  ({r['pushed']} pushes)  reached {r['reached_s']} s"
        )
    m = f["machine"]
    print(f"  server log errors {f['server_log_errors']}")
    print(f"  machine: {m['cpus']} × {m['cpu_model']}, {m['ram_gib']} GiB RAM")
    print(
        f"  target: {f['members']} members stored and pushed in < {f['target_s']:g} s: "
        f"{'MET' if f['target_met'] else 'NOT MET'}"
    )
    print()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    figures = run(args)
    print_summary(figures)
    print_json(figures)
    return 0 if figures["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
