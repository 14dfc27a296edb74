"""IMAP benchmark: Qiyou's IMAP server next to Dovecot (Debian's dovecot-imapd), same run.

Starts its own ``qiyou serve`` (temp data dir; ``--db postgres`` a fresh database and
Redis) and a Dovecot test instance (``bench/dovecot.py``), puts the same mails into both
(Qiyou over SMTP, 8 connections; Dovecot straight into its maildirs), then alternates
between the two servers for ``--rounds`` rounds:

* **envelope**: one client logs in, ``SELECT INBOX`` and ``UID FETCH 1:* (FLAGS ENVELOPE)``
  on a mailbox of ``--count`` mails (10,000 by default): seconds for SELECT + FETCH;
* **body**: ``--sessions`` clients at once, one per mailbox, each ``UID FETCH 1:*
  (BODY.PEEK[])`` on ``--body-count`` mails of about ``--size`` bytes in all: MB/s on the
  wire;
* **idle** (once per server, ``--idle`` clients): ``--idle-members`` members with
  ``idle/idle-members`` clients each sit in ``IDLE`` on their Inbox; one mail per member is
  delivered (Qiyou: over SMTP, Dovecot: a file renamed into ``Maildir/new``), one after
  the other ``--idle-gap`` s apart; latency from the start of the delivery to each client's
  ``* n EXISTS`` (p50/p95/p99).

Plain IMAP on both by default (Qiyou with ``QIYOU_ALLOW_PLAINTEXT_AUTH=loopback``), IMAPS
with ``--tls``. The client is asyncio streams that read literals by their length, so it is
not the bottleneck. Prints a summary, then one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import ssl
import statistics
import time
from typing import Any

import aiosmtplib
from benchlib import (
    PASSWORD,
    BenchServer,
    code_state,
    exit_on_sigterm,
    machine,
    make_mail,
    member_email,
    print_json,
    raise_nofile_limit,
    summary_ms,
    wait_until_quiet,
)
from dovecot import Dovecot, installed
from pop3_retr import SENDER, cpu_of, fill_qiyou

MB = 1_000_000
LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
# Dovecot's defaults allow 100 imap processes (one per IDLE client): room for the idle test.
DOVECOT_EXTRA = """
service imap {
  process_limit = 4000
}
service imap-login {
  process_limit = 200
  client_limit = 1000
  service_count = 0
}
default_client_limit = 10000
default_vsz_limit = 512M
mail_max_userip_connections = 1000
# IDLE follows the maildir with inotify; where the kernel's per-user inotify instances run
# out (128 by default: one per imap process), it falls back to polling at this interval.
mailbox_idle_check_interval = 1 secs
"""
INOTIFY = "/proc/sys/fs/inotify/max_user_instances"


def raise_inotify_instances(wanted: int = 8192) -> int:
    """One inotify instance per Dovecot imap process in IDLE: raise the per-user limit when
    we may (root); the limit in force."""
    try:
        current = int(open(INOTIFY).read())
        if current < wanted:
            with open(INOTIFY, "w") as limit:
                limit.write(str(wanted))
        return int(open(INOTIFY).read())
    except (OSError, ValueError):
        return -1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--count", type=int, default=10_000, help="mails in the envelope mailbox")
    p.add_argument("--body-count", type=int, default=2_000, help="mails for BODY[] in all")
    p.add_argument("--size", type=int, default=50_000, help="approximate BODY[] mail size")
    p.add_argument("--sessions", type=int, default=4, help="BODY[] mailboxes = parallel clients")
    p.add_argument("--idle", type=int, default=1000, help="IDLE clients in all (0: skip)")
    p.add_argument("--idle-members", type=int, default=100)
    p.add_argument("--idle-gap", type=float, default=0.05, help="seconds between deliveries")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--tls", action="store_true", help="IMAPS (implicit TLS) on both")
    p.add_argument("--no-dovecot", dest="dovecot", action="store_false")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--no-wait-quiet", dest="wait_quiet", action="store_false")
    return p.parse_args(argv)


class ImapDovecot(Dovecot):
    def _write_config(self):  # noqa: ANN202 - as Dovecot's
        path = super()._write_config()
        path.write_text(path.read_text() + DOVECOT_EXTRA)
        return path


# --- the client -----------------------------------------------------------------------------


class Failed(RuntimeError):
    pass


class Client:
    """A minimal IMAP client: commands, responses read with their literals, IDLE."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.n = reader, writer, 0

    @classmethod
    async def open(cls, port: int, context: ssl.SSLContext | None, user: str) -> Client:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=context, limit=64 * 2**20
        )
        client = cls(reader, writer)
        await reader.readline()  # greeting
        await client.command(f'LOGIN "{user}" "{PASSWORD}"'.encode())
        return client

    async def line(self) -> tuple[bytes, int]:
        """One response line with its literals inlined as their sizes: (line, bytes read)."""
        line = await self.reader.readline()
        if not line:
            raise Failed("connection closed")
        size = len(line)
        while match := LITERAL.search(line):
            data = await self.reader.readexactly(int(match.group(1)))
            rest = await self.reader.readline()
            size += len(data) + len(rest)
            line = line[: match.start()] + b"%d" % len(data) + rest
        return line, size

    async def command(self, text: bytes) -> tuple[int, int]:
        """Send a command, read to its tagged OK: (untagged FETCH responses, bytes read)."""
        self.n += 1
        tag = b"b%d" % self.n
        self.writer.write(tag + b" " + text + b"\r\n")
        fetches = wire = 0
        while True:
            line, size = await self.line()
            wire += size
            if line.startswith(tag + b" "):
                if line.split()[1] != b"OK":
                    raise Failed(line.decode(errors="replace").strip())
                return fetches, wire
            if line.startswith(b"* ") and b" FETCH " in line:
                fetches += 1

    async def close(self) -> None:
        try:
            await self.command(b"LOGOUT")
        except (Failed, ConnectionError):
            pass
        self.writer.close()


# --- filling --------------------------------------------------------------------------------


def mailboxes(args: argparse.Namespace) -> dict[str, list[bytes]]:
    """Mailbox address → its mails: m0000 the envelope box, then the BODY[] boxes."""
    boxes: dict[str, list[bytes]] = {member_email(0): []}
    for i in range(args.count):
        boxes[member_email(0)].append(make_mail(i, member_email(0), f"IMAP 信封 {i}", 3000))
    body = [member_email(1 + s) for s in range(args.sessions)]
    for to in body:
        boxes[to] = []
    for i in range(args.body_count):
        to = body[i % len(body)]
        boxes[to].append(make_mail(i, to, f"IMAP body {i}", args.size, seed=1))
    return boxes


# --- the measurements -----------------------------------------------------------------------


async def envelope_round(port: int, context: ssl.SSLContext | None, pids: Any) -> dict:
    client = await Client.open(port, context, member_email(0))
    cpu0, t0 = cpu_of(pids()), time.monotonic()
    await client.command(b"SELECT INBOX")
    selected = time.monotonic()
    fetches, wire = await client.command(b"UID FETCH 1:* (FLAGS ENVELOPE)")
    end = time.monotonic()
    cpu = cpu_of(pids()) - cpu0
    await client.close()
    return {
        "seconds": round(end - t0, 3),
        "select_s": round(selected - t0, 3),
        "messages": fetches,
        "messages_per_s": round(fetches / (end - selected)),
        "kb": round(wire / 1000),
        "server_cpu_s": round(cpu, 2),
    }


async def body_round(
    port: int, context: ssl.SSLContext | None, users: list[str], pids: Any
) -> dict:
    clients = [await Client.open(port, context, u) for u in users]
    for client in clients:
        await client.command(b"SELECT INBOX")
    cpu0, t0 = cpu_of(pids()), time.monotonic()
    results = await asyncio.gather(*(c.command(b"UID FETCH 1:* (BODY.PEEK[])") for c in clients))
    seconds = time.monotonic() - t0
    cpu = cpu_of(pids()) - cpu0
    for client in clients:
        await client.close()
    wire = sum(w for _, w in results)
    messages = sum(f for f, _ in results)
    return {
        "seconds": round(seconds, 3),
        "messages": messages,
        "mb": round(wire / MB, 1),
        "mb_per_s": round(wire / MB / seconds, 1),
        "server_cpu_s": round(cpu, 2),
    }


async def idle_test(
    port: int,
    context: ssl.SSLContext | None,
    users: list[str],
    per_user: int,
    deliver: Any,
    gap: float,
) -> dict:
    """``per_user`` IDLE clients on each user's Inbox; one delivery per user; latencies."""
    arrived: dict[str, list[float]] = {u: [] for u in users}
    waiting: dict[str, asyncio.Event] = {u: asyncio.Event() for u in users}
    clients: list[tuple[str, Client]] = []
    t0 = time.monotonic()
    sem = asyncio.Semaphore(50)

    async def connect(user: str) -> None:
        async with sem:
            client = await Client.open(port, context, user)
            await client.command(b"SELECT INBOX")
            client.writer.write(b"i IDLE\r\n")
            line, _ = await client.line()
            if not line.startswith(b"+"):
                raise Failed(line.decode(errors="replace"))
            clients.append((user, client))

    await asyncio.gather(*(connect(u) for u in users for _ in range(per_user)))
    connected_s = time.monotonic() - t0

    async def listen(user: str, client: Client) -> None:
        while True:
            line, _ = await client.line()
            if line.endswith(b" EXISTS\r\n"):
                arrived[user].append(time.monotonic())
                if len(arrived[user]) == per_user:
                    waiting[user].set()

    listeners = [asyncio.create_task(listen(u, c)) for u, c in clients]
    await asyncio.sleep(1.0)  # every IDLE is registered on the server
    latencies: list[float] = []
    missing = 0
    for user in users:
        started = time.monotonic()
        await deliver(user)
        try:
            await asyncio.wait_for(waiting[user].wait(), 10)
        except TimeoutError:
            missing += per_user - len(arrived[user])
        latencies += [at - started for at in arrived[user]]
        await asyncio.sleep(gap)
    for task in listeners:
        task.cancel()
    for _, client in clients:
        client.writer.close()
    return {
        "clients": len(clients),
        "connect_s": round(connected_s, 1),
        **summary_ms(latencies),
        "missing": missing,
    }


def best(rounds: list[dict], key: str, low: bool = False) -> dict:
    pick = min if low else max
    top = pick(rounds, key=lambda r: r[key])
    values = [r[key] for r in rounds]
    return {**top, "median": statistics.median(values), "rounds": values}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile_limit()
    inotify = raise_inotify_instances() if args.dovecot else -1
    boxes = mailboxes(args)
    env = {
        "QIYOU_IMAP_MAX_CONNECTIONS_PER_IP": "10000",
        "QIYOU_IMAP_MAX_CONNECTIONS": "20000",
    }
    if not args.tls:
        env["QIYOU_ALLOW_PLAINTEXT_AUTH"] = "loopback"
    first_idle = 1 + args.sessions
    idle_count = args.idle_members if args.idle else 0
    idle_users = [member_email(first_idle + i) for i in range(idle_count)]
    server = BenchServer(db=args.db, broadcast="redis" if args.db == "postgres" else "memory")
    server.extra_env.update(env)
    server.keep = args.keep
    dovecot = ImapDovecot(tls=args.tls) if args.dovecot and installed() else None
    context = None
    if args.tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        server.create_database()
        server.start(timeout=180)
        server.provision(first_idle + len(idle_users))
        fill_s = await fill_qiyou(server, boxes)
        print(f"Qiyou: {sum(map(len, boxes.values()))} mails over SMTP in {fill_s:.1f} s")
        if dovecot is not None:
            for user, mails in {**boxes, **{u: [] for u in idle_users}}.items():
                dovecot.add_user(user, PASSWORD)
                for raw in mails:
                    dovecot.deliver(user, raw)
            dovecot.start()
        qport = server.imaps_port if args.tls else server.imap_port
        targets = [("qiyou", qport, lambda: [server.process.pid])]
        if dovecot is not None:
            dport = dovecot.imaps_port if args.tls else dovecot.imap_port
            targets.append(("dovecot", dport, dovecot.pids))
        body_users = [member_email(1 + s) for s in range(args.sessions)]
        warm = {}
        for name, port, pids in targets:  # Dovecot builds its indexes on first access
            t0 = time.monotonic()
            await envelope_round(port, context, pids)
            await body_round(port, context, body_users, pids)
            warm[name] = round(time.monotonic() - t0, 1)
        if args.wait_quiet:
            wait_until_quiet(max_wait=300)
        envelope: dict[str, list] = {name: [] for name, _, _ in targets}
        body: dict[str, list] = {name: [] for name, _, _ in targets}
        for r in range(args.rounds):
            for name, port, pids in targets:
                envelope[name].append(await envelope_round(port, context, pids))
                body[name].append(await body_round(port, context, body_users, pids))
                print(f"round {r + 1} {name}: {envelope[name][-1]} {body[name][-1]}", flush=True)
        figures: dict[str, Any] = {
            "envelope": {n: best(rs, "seconds", low=True) for n, rs in envelope.items()},
            "body": {n: best(rs, "mb_per_s") for n, rs in body.items()},
        }
        if args.idle:
            per_user = max(1, args.idle // args.idle_members)
            smtp: aiosmtplib.SMTP | None = None  # connected once the IDLE clients are in
            n = 0

            async def to_qiyou(user: str) -> None:
                nonlocal n, smtp
                if smtp is None:
                    smtp = aiosmtplib.SMTP(
                        hostname="127.0.0.1", port=server.smtp_port, timeout=60, start_tls=False
                    )
                    await smtp.connect()
                n += 1
                await smtp.sendmail(SENDER, [user], make_mail(n, user, f"idle {n}", 2000))

            figures["idle"] = {"qiyou": await idle_test(
                qport, context, idle_users, per_user, to_qiyou, args.idle_gap
            )}  # fmt: skip
            await smtp.quit()
            if dovecot is not None:

                async def to_dovecot(user: str) -> None:
                    nonlocal n
                    n += 1
                    raw = make_mail(n, user, f"idle {n}", 2000)
                    path = dovecot.home(user) / "Maildir"
                    name = f"{time.time_ns()}.{n}.bench"
                    (path / "tmp" / name).write_bytes(raw)
                    (path / "tmp" / name).rename(path / "new" / name)

                figures["idle"]["dovecot"] = await idle_test(
                    dport, context, idle_users, per_user, to_dovecot, args.idle_gap
                )
        if dovecot is not None:
            q, d = figures["envelope"]["qiyou"], figures["envelope"]["dovecot"]
            ratios = {"envelope_time": round(q["seconds"] / d["seconds"], 2)}
            q, d = figures["body"]["qiyou"], figures["body"]["dovecot"]
            ratios["body_mb_per_s"] = round(q["mb_per_s"] / d["mb_per_s"], 2)
            if "idle" in figures and figures["idle"]["dovecot"]["p99_ms"]:
                ratios["idle_p99"] = round(
                    figures["idle"]["qiyou"]["p99_ms"] / figures["idle"]["dovecot"]["p99_ms"], 2
                )
            figures["ratio_qiyou_to_dovecot"] = ratios
        errors, first = server.log_problems()
        return {
            "bench": "imap",
            "db": args.db,
            "tls": args.tls,
            "count": args.count,
            "body_count": args.body_count,
            "size": args.size,
            "fill_s": round(fill_s, 1),
            "first_pass_s": warm,
            "inotify_instances": inotify,
            **figures,
            "server_errors": errors,
            "server_error_lines": first,
            "machine": machine(),
            "code": code_state(),
        }
    finally:
        if dovecot is not None:
            dovecot.close()
        server.close()


def main() -> None:
    exit_on_sigterm()
    figures = asyncio.run(run(parse_args()))
    for name, f in figures["envelope"].items():
        print(
            f"envelope {name:8} SELECT + UID FETCH 1:* (FLAGS ENVELOPE) of {f['messages']}: "
            f"best {f['seconds']} s (median {f['median']} s), server CPU {f['server_cpu_s']} s"
        )
    for name, f in figures["body"].items():
        print(f"body     {name:8} best {f['mb_per_s']} MB/s (median {f['median']} MB/s)")
    for name, f in figures.get("idle", {}).items():
        print(
            f"idle     {name:8} {f['clients']} clients: p50 {f['p50_ms']} ms, p99 "
            f"{f['p99_ms']} ms, max {f['max_ms']} ms, missing {f['missing']}"
        )
    if "ratio_qiyou_to_dovecot" in figures:
        print(f"Qiyou / Dovecot: {figures['ratio_qiyou_to_dovecot']}")
    print_json(figures)


if __name__ == "__main__":
    main()
