"""POP3 RETR benchmark: how fast Qiyou hands a mailbox to POP3 clients, next to Dovecot.

Starts its own ``qiyou serve`` (temp data dir; ``--db postgres`` a fresh database and
Redis) with ``--sessions`` VIP members and fills their Inboxes with ``--count`` realistic
mails of about ``--size`` bytes in all (``benchlib.make_mail``: multipart, base64 UTF-8),
sent over 8 SMTP connections to the MX port. The same bytes go into the maildirs of a
Dovecot test instance (``bench/dovecot.py``, Debian's dovecot-pop3d) started beside it.

Then, alternating between the two servers for ``--rounds`` rounds, ``--sessions`` POP3
clients at once (one per mailbox; POP3 allows one session per mailbox) each log in, ask
STAT and UIDL, RETR every message one after the other (the next command after the whole
answer, as clients do) and QUIT without deleting. Plain POP3 by default (Qiyou with
``QIYOU_ALLOW_PLAINTEXT_AUTH=loopback``), POP3S with ``--tls``. The clients are asyncio
streams reading each answer up to its ``CRLF.CRLF`` (no per-line Python work), so they are
not the bottleneck that poplib would be.

Measured per round, from the moment every client has logged in (Qiyou hashes passwords,
the Dovecot instance keeps them plain) until the last message has arrived: bytes on the
wire / wall clock (MB/s, messages/s), and the CPU seconds of the server's processes over
that window (Qiyou: the server process; Dovecot: its master and its children). Dovecot's
first login builds its index (sizes, UIDs): a warm-up session on each server before the
rounds takes that out of the figures (its time is reported).

Prints a summary, then one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import time
from pathlib import Path
from typing import Any

import aiosmtplib
from benchlib import (
    PASSWORD,
    BenchServer,
    code_state,
    exit_on_sigterm,
    machine,
    machine_busy_seconds,
    make_mail,
    member_email,
    print_json,
    wait_until_quiet,
)
from dovecot import Dovecot, installed

SENDER = "notifications@partner.example"
MB = 1_000_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--count", type=int, default=2000, help="mails in all (default 2000)")
    p.add_argument("--size", type=int, default=50_000, help="approximate mail size, bytes")
    p.add_argument("--sessions", type=int, default=4, help="mailboxes = parallel clients")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds per server")
    p.add_argument("--tls", action="store_true", help="POP3S (implicit TLS) on both")
    p.add_argument("--no-dovecot", dest="dovecot", action="store_false")
    p.add_argument("--keep", action="store_true", help="keep Qiyou's temp data dir")
    p.add_argument("--no-wait-quiet", dest="wait_quiet", action="store_false")
    p.add_argument("--quiet-wait", type=float, default=300)
    return p.parse_args(argv)


# --- filling --------------------------------------------------------------------------------


def make_mails(args: argparse.Namespace) -> dict[str, list[bytes]]:
    """Mailbox address → its mails (CRLF), round robin."""
    boxes: dict[str, list[bytes]] = {member_email(s): [] for s in range(args.sessions)}
    emails = list(boxes)
    for i in range(args.count):
        to = emails[i % len(emails)]
        boxes[to].append(make_mail(i, to, f"POP3 bench {i} 季度报告", args.size))
    return boxes


async def fill_qiyou(server: BenchServer, boxes: dict[str, list[bytes]]) -> float:
    work = [(to, raw) for to, mails in boxes.items() for raw in mails]
    started = time.monotonic()

    async def sender(part: list[tuple[str, bytes]]) -> None:
        smtp = aiosmtplib.SMTP(
            hostname="127.0.0.1", port=server.smtp_port, timeout=120, start_tls=False
        )
        await smtp.connect()
        for to, raw in part:
            await smtp.sendmail(SENDER, [to], raw)
        await smtp.quit()

    await asyncio.gather(*(sender(work[k::8]) for k in range(8)))
    return time.monotonic() - started


# --- the client -----------------------------------------------------------------------------


class Failed(RuntimeError):
    pass


async def _ok(reader: asyncio.StreamReader) -> bytes:
    line = await reader.readline()
    if not line.startswith(b"+OK"):
        raise Failed(line.decode(errors="replace").strip())
    return line


async def session(
    port: int, user: str, context: ssl.SSLContext | None, after_login: Any, before_quit: Any
) -> dict[str, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, limit=64 * 2**20)
    wire = 0
    try:
        await _ok(reader)
        writer.write(f"USER {user}\r\n".encode())
        await _ok(reader)
        writer.write(f"PASS {PASSWORD}\r\n".encode())
        await _ok(reader)
        await after_login()
        writer.write(b"STAT\r\n")
        count = int((await _ok(reader)).split()[1])
        writer.write(b"UIDL\r\n")
        await _ok(reader)
        uids = await reader.readuntil(b"\r\n.\r\n")
        assert uids.count(b"\r\n") == count + 1, "UIDL lines"
        for n in range(1, count + 1):
            writer.write(b"RETR %d\r\n" % n)
            first = await _ok(reader)
            body = await reader.readuntil(b"\r\n.\r\n")
            if b"\r\nMessage-ID: " not in body:
                raise Failed(f"message {n} of {user} has no Message-ID")
            wire += len(first) + len(body)
        await before_quit()
        writer.write(b"QUIT\r\n")
        await _ok(reader)
    finally:
        writer.close()
    return {"messages": count, "bytes": wire}


def _ticks(pid: int) -> float:
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += _ticks(pid)
        except (OSError, IndexError, ValueError):
            pass
    return total


async def timed_round(
    port: int, users: list[str], context: ssl.SSLContext | None, pids: Any
) -> dict[str, Any]:
    """All sessions at once; the clock runs from the moment all have logged in (password
    hashing is not what is measured) until the last message has arrived."""
    arrived = logged_in = 0
    done, ready = asyncio.Event(), asyncio.Event()
    end: dict[str, float] = {}
    start: dict[str, float] = {}

    async def after_login() -> None:
        nonlocal logged_in
        logged_in += 1
        if logged_in == len(users):
            start["cpu"], start["machine"] = cpu_of(pids()), machine_busy_seconds()
            start["at"] = time.monotonic()
            ready.set()
        await ready.wait()

    async def before_quit() -> None:
        nonlocal arrived
        arrived += 1
        if arrived == len(users):
            end["at"], end["cpu"], end["machine"] = (
                time.monotonic(),
                cpu_of(pids()),
                machine_busy_seconds(),
            )
            done.set()
        await done.wait()

    results = await asyncio.gather(
        *(session(port, u, context, after_login, before_quit) for u in users)
    )
    seconds = end["at"] - start["at"]
    wire = sum(r["bytes"] for r in results)
    messages = sum(r["messages"] for r in results)
    return {
        "seconds": round(seconds, 3),
        "messages": messages,
        "mb": round(wire / MB, 2),
        "mb_per_s": round(wire / MB / seconds, 1),
        "messages_per_s": round(messages / seconds, 1),
        "server_cpu_s": round(end["cpu"] - start["cpu"], 2),
        "machine_cpu_s": round(end["machine"] - start["machine"], 2),
    }


def best(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    top = max(rounds, key=lambda r: r["mb_per_s"])
    return {
        **top,
        "median_mb_per_s": round(statistics.median(r["mb_per_s"] for r in rounds), 1),
        "rounds": [r["mb_per_s"] for r in rounds],
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    boxes = make_mails(args)
    users = list(boxes)
    env = {} if args.tls else {"QIYOU_ALLOW_PLAINTEXT_AUTH": "loopback"}
    server = BenchServer(db=args.db, broadcast="redis" if args.db == "postgres" else "memory")
    server.extra_env.update(env)
    server.keep = args.keep
    dovecot = Dovecot(tls=args.tls) if args.dovecot and installed() else None
    context = None
    if args.tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        server.create_database()
        server.start(timeout=180)
        server.provision(args.sessions)
        fill_s = await fill_qiyou(server, boxes)
        print(f"Qiyou: {args.count} mails stored over SMTP in {fill_s:.1f} s", flush=True)
        settle_s = wait_server_idle(server)
        print(f"Qiyou idle (search indexing done) after {settle_s:.0f} s", flush=True)
        if dovecot is not None:
            for user, mails in boxes.items():
                dovecot.add_user(user, PASSWORD)
                for raw in mails:
                    dovecot.deliver(user, raw)
            dovecot.start()
        qiyou_port = server.pop3s_port if args.tls else server.pop3_port
        targets = [("qiyou", qiyou_port, lambda: [server.process.pid])]
        if dovecot is not None:
            port = dovecot.pop3s_port if args.tls else dovecot.pop3_port
            targets.append(("dovecot", port, dovecot.pids))
        warm: dict[str, float] = {}
        for name, port, _ in targets:  # Dovecot indexes each maildir on its first login
            t0 = time.monotonic()
            await asyncio.gather(*(session(port, u, context, _nothing, _nothing) for u in users))
            warm[name] = round(time.monotonic() - t0, 2)
        if args.wait_quiet:
            wait_until_quiet(max_wait=args.quiet_wait)
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in targets}
        for r in range(args.rounds):
            for name, port, pids in targets:
                result = await timed_round(port, users, context, pids)
                rounds[name].append(result)
                print(f"round {r + 1} {name}: {result}", flush=True)
        figures: dict[str, Any] = {name: best(rs) for name, rs in rounds.items()}
        if "dovecot" in figures:
            figures["ratio_qiyou_to_dovecot"] = round(
                figures["qiyou"]["mb_per_s"] / figures["dovecot"]["mb_per_s"], 2
            )
        errors, first = server.log_problems()
        return {
            "bench": "pop3_retr",
            "db": args.db,
            "tls": args.tls,
            "count": args.count,
            "size": args.size,
            "sessions": args.sessions,
            "fill_s": round(fill_s, 1),
            "first_session_s": warm,
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


def wait_server_idle(server: BenchServer, max_wait: float = 600) -> float:
    """Wait until the server's own work after the fill (search indexing) is done: less
    than 2 % of a core over 2 s. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < max_wait:
        before = server.cpu().total
        time.sleep(2)
        if server.cpu().total - before < 0.04:
            break
    return time.monotonic() - started


async def _nothing() -> None:
    return None


def main() -> None:
    exit_on_sigterm()
    args = parse_args()
    figures = asyncio.run(run(args))
    for name in ("qiyou", "dovecot"):
        if name in figures:
            f = figures[name]
            print(
                f"{name:8} best {f['mb_per_s']:7.1f} MB/s ({f['messages_per_s']} msg/s), "
                f"median {f['median_mb_per_s']} MB/s, server CPU {f['server_cpu_s']} s "
                f"for {f['mb']} MB"
            )
    if "ratio_qiyou_to_dovecot" in figures:
        print(f"Qiyou / Dovecot: {figures['ratio_qiyou_to_dovecot']}")
    print_json(figures)


if __name__ == "__main__":
    main()
