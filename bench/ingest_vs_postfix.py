"""Qiyou's MX beside Postfix under the same ``smtp-source`` load, alternating, in one run.

Postfix is the anchor of ``../shared/bench/postfix-anchor.sh`` (Debian's Postfix 3.7 on
127.0.0.1:2526, virtual mailboxes into Maildir, two fsyncs per message; started by this
script when nothing listens there, which installs the package if missing). Qiyou is a real
``qiyou serve`` (bench/benchlib.py's ``BenchServer``: fresh data dir, loopback DNS) with the
domain ``anchor.test`` and ``user1``..``user20``, on SQLite with the memory bus by default
(``--db postgres --broadcast redis`` for PostgreSQL and Redis), with the MX in this process
or in ``--mx-processes`` processes of its own (a list: each value is measured in turn).

For each case ``S:L:M`` (``-s S`` sessions, ``-l L`` bytes, ``-m M`` mails) and round,
Postfix then each Qiyou configuration get ``smtp-source -s S -m M -l L`` (one message per
connection, as Postfix's own tool does by default). Measured per run: messages per second
(``M`` / the time smtp-source took), the CPU milliseconds per message of the server's whole
process tree (Postfix: the master and every daemon it started, those that ended included;
Qiyou: ``serve`` and its MX processes; both until the mail is stored or delivered; in a
column of its own what PostgreSQL and Redis used meanwhile), and the machine's CPU used by
everything else (other work on a 2-core machine skews it: each run first waits, up to a
minute, until the machine is quiet, so that the previous run's indexing is not counted
against the next). After each Qiyou run the mails are counted in its database: every
acknowledged mail must be in user1's INBOX. Prints a table, then one line of JSON.

    .venv/bin/python bench/ingest_vs_postfix.py [--rounds 3] [--cases 20:20480:3000,20:102400:1500]
        [--mx-processes 0,2] [--db sqlite|postgres] [--broadcast memory|redis]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (
    ROOT,
    BenchServer,
    _listening,
    code_state,
    machine,
    machine_busy_seconds,
    print_json,
    services_seconds,
    tree_seconds,
)

ANCHOR = ROOT.parent / "shared" / "bench" / "postfix-anchor.sh"
ANCHOR_DIR = Path("/tmp/postfix-anchor")
POSTFIX_PORT = 2526
DOMAIN = "anchor.test"
SENDER = "sender@ext.test"


def postfix_master() -> int:
    pid = (ANCHOR_DIR / "spool" / "pid" / "master.pid").read_text().split()[0]
    return int(pid)


def start_postfix() -> None:
    if _listening(POSTFIX_PORT):
        return
    if not ANCHOR.exists():
        sys.exit(f"{ANCHOR} not found: the Postfix anchor comes from ../shared/bench")
    subprocess.run(["bash", str(ANCHOR), "start", str(ANCHOR_DIR)], check=True)
    for _ in range(50):
        if _listening(POSTFIX_PORT):
            return
        time.sleep(0.2)
    sys.exit("Postfix did not start on 127.0.0.1:2526")


def postfix_delivered() -> int:
    return sum(1 for _ in (ANCHOR_DIR / "vmail" / DOMAIN / "user1" / "new").iterdir())


def smtp_source(port: int, sessions: int, size: int, count: int) -> float:
    started = time.monotonic()
    subprocess.run(
        ["smtp-source", "-s", str(sessions), "-m", str(count), "-l", str(size), "-f", SENDER,
         "-t", f"user1@{DOMAIN}", f"127.0.0.1:{port}"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.monotonic() - started


def wait_settled(count: callable, target: int, timeout: float = 120) -> bool:  # type: ignore[valid-type]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if count() >= target:
            return True
        time.sleep(0.1)
    return False


class Qiyou:
    def __init__(self, args: argparse.Namespace, mx_processes: int) -> None:
        env = {"QIYOU_MX_PROCESSES": str(mx_processes)}
        self.mx_processes = mx_processes
        self.server = BenchServer(db=args.db, broadcast=args.broadcast, extra_env=env)
        self.server.create_database()
        self.server.cli("domain", "add", DOMAIN)
        for i in range(1, 21):
            self.server.cli(
                "user", "add", f"user{i}@{DOMAIN}", "--password", f"pw-{i}-xyz", "--vip"
            )
        self.server.start(timeout=120)

    @property
    def label(self) -> str:
        return f"qiyou mx×{self.mx_processes}" if self.mx_processes else "qiyou mx in-process"

    def inbox(self) -> int:
        sql = (
            "SELECT COUNT(*) FROM mailbox_entry e JOIN member m ON m.id = e.member_id "
            f"WHERE m.email = 'user1@{DOMAIN}'"
        )
        if self.server.pg_db:
            out = subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", self.server.pg_db, "-tAc", sql],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            return int(out.stdout.strip())
        path = self.server.data_dir / "qiyou.sqlite3"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return int(db.execute(sql).fetchone()[0])


def run_case(sessions: int, size: int, count: int, port: int, pid: int, stored: callable) -> dict:  # type: ignore[valid-type]
    settle()  # the previous run's indexing and merges would be counted against this one
    before = stored()
    cpu0, busy0, db0 = tree_seconds(pid), machine_busy_seconds(), services_seconds()
    seconds = smtp_source(port, sessions, size, count)
    complete = wait_settled(stored, before + count)
    cpu1, busy1, db1 = tree_seconds(pid), machine_busy_seconds(), services_seconds()
    server_cpu = cpu1 - cpu0
    return {
        "msg_s": round(count / seconds, 1),
        "cpu_ms_per_msg": round(server_cpu * 1000 / count, 2),
        "db_cpu_ms_per_msg": round((db1 - db0) * 1000 / count, 2),  # PostgreSQL and Redis
        "stored": stored() - before,
        "complete": complete,
        "others_cores": round(max(0.0, (busy1 - busy0) - server_cpu - (db1 - db0)) / seconds, 2),
    }


def settle(threshold: float = 0.3, longest: float = 60) -> None:
    """Until the machine has used less than ``threshold`` cores for a second (bounded)."""
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        busy = machine_busy_seconds()
        time.sleep(1)
        if machine_busy_seconds() - busy < threshold:
            return


def row_text(r: dict, rnd: int) -> str:
    stored = f"{r['stored']}{'' if r['complete'] else ' (incomplete!)'}"
    return (
        f"{r['case']:<22}{rnd:>6}  {r['server']:<22}{r['msg_s']:>8}{r['cpu_ms_per_msg']:>12}"
        f"{r['db_cpu_ms_per_msg']:>9}{r['ratio']:>7}{r['others_cores']:>8}  {stored}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases", default="20:20480:3000,20:102400:1500")
    parser.add_argument("--mx-processes", default="0,2", help="comma-separated; 0 = in-process")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--broadcast", choices=("memory", "redis"), default="memory")
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args()
    if not shutil.which("smtp-source"):
        start_postfix()  # the anchor script installs Debian's postfix (smtp-source with it)
    start_postfix()
    cases = [tuple(int(v) for v in case.split(":")) for case in args.cases.split(",")]
    qiyous = [Qiyou(args, int(n)) for n in args.mx_processes.split(",")]
    rows: list[dict] = []
    try:
        for q in qiyous:  # warm-up: caches, the index writer, SQLite's pages
            smtp_source(q.server.smtp_port, 5, 20480, args.warmup)
        smtp_source(POSTFIX_PORT, 5, 20480, args.warmup)
        print(f"{'case':<22}{'round':>6}  {'server':<22}{'msg/s':>8}{'CPU ms/msg':>12}"
              f"{'PG+Redis':>9}{'ratio':>7}{'others':>8}  stored")  # fmt: skip
        for sessions, size, count in cases:
            for rnd in range(1, args.rounds + 1):
                pf = run_case(
                    sessions, size, count, POSTFIX_PORT, postfix_master(), postfix_delivered
                )
                pf.update(server="postfix", case=f"{sessions}:{size}:{count}", round=rnd, ratio=1.0)
                rows.append(pf)
                results = [pf]
                for q in qiyous:
                    assert q.server.process is not None
                    r = run_case(
                        sessions, size, count, q.server.smtp_port, q.server.process.pid, q.inbox
                    )
                    r.update(server=q.label, case=pf["case"], round=rnd)
                    r["ratio"] = round(r["msg_s"] / pf["msg_s"], 2)
                    rows.append(r)
                    results.append(r)
                for r in results:
                    print(row_text(r, rnd))
        errors = {q.label: q.server.log_problems()[0] for q in qiyous}
        print(f"server ERROR lines: {errors}")
    finally:
        for q in qiyous:
            q.server.close()
    summary: dict[str, dict] = {}
    for r in rows:
        key = f"{r['case']} {r['server']}"
        s = summary.setdefault(key, {"msg_s": [], "ratio": [], "cpu_ms_per_msg": []})
        for k in s:
            s[k].append(r[k])
    print("\nmedians:")
    for key, s in summary.items():
        med = {k: sorted(v)[len(v) // 2] for k, v in s.items()}
        cpu = med["cpu_ms_per_msg"]
        print(f"  {key:<45} {med['msg_s']:>8} msg/s  ratio {med['ratio']:<5} CPU {cpu} ms/msg")
    print_json({"bench": "ingest_vs_postfix", "db": args.db, "broadcast": args.broadcast,
                "machine": machine(), "code": code_state(), "rows": rows})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
