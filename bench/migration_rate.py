"""Mail migration rate: how fast a real ``qiyou serve`` moves whole mailboxes from an old
IMAP server on the same machine (issue 21), and how much memory the server takes meanwhile.

The old server is Debian's Dovecot (``bench/dovecot.py``, a throwaway instance on loopback)
with ``--members`` mailboxes of ``--messages`` mails each, written straight into the
maildirs: realistic sizes (``benchlib.make_mail``: multipart text and HTML in base64,
2-40 KB), one mail in 20 with an attachment of 100 KB to 1 MB, one in 500 with one of 4 to
6 MB (random bytes, base64), spread over the Inbox (70 %), Sent (已发送, 20 %) and a nested
Chinese folder (项目/二〇二六, 10 %), a third of them seen.

Qiyou runs with its embedded defaults (SQLite, blobs in the data dir, ``memory://``; or
``--db postgres``), the members provisioned with the CLI, and the migration started with
the real CLI (``qiyou migration start --source imap://... --members FILE.csv --wait``), so
the server's workers (``QIYOU_MIGRATION_PARALLEL``, default 4) do the work. Measured from
the start command until every member is DONE: messages/s and MB/s (the old server's
bytes), the server's peak RSS (``VmHWM``) and its CPU seconds, and Dovecot's CPU seconds.

    .venv/bin/python bench/migration_rate.py --members 2 --messages 300   # a small run
    .venv/bin/python bench/migration_rate.py                              # 10 x 5,000

Prints a summary, then one line of JSON.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchlib import (  # noqa: E402
    DOMAIN,
    BenchServer,
    code_state,
    exit_on_sigterm,
    machine,
    make_mail,
    member_email,
    print_json,
    qiyou_command,
    tree_seconds,
)
from dovecot import Dovecot, installed  # noqa: E402

from mailcore.protocols.imap.utf7 import encode  # noqa: E402

OLD_PASSWORD = "old-secret"
FOLDERS = [("", 0.7), (encode("已发送"), 0.2), (f"{encode('项目')}.{encode('二〇二六')}", 0.1)]


def with_attachment(raw: bytes, payload: bytes, name: str) -> bytes:
    """The mail as multipart/mixed: its own body, then ``payload`` as an attachment."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    content = next(line for line in lines if line.lower().startswith(b"content-type:"))
    boundary = f"mixed_{random.getrandbits(40):x}"
    lines = [line for line in lines if line is not content]
    lines.append(f'Content-Type: multipart/mixed; boundary="{boundary}"'.encode())
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    return (
        b"\r\n".join(lines)
        + f"\r\n\r\n--{boundary}\r\n".encode()
        + content
        + b"\r\n\r\n"
        + body
        + f"\r\n--{boundary}\r\nContent-Type: application/pdf; name={name}\r\n".encode()
        + f"Content-Disposition: attachment; filename={name}\r\n".encode()
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + encoded
        + f"\r\n--{boundary}--\r\n".encode()
    )


def fill(dovecot: Dovecot, user: str, count: int, seed: int) -> tuple[int, int]:
    """``count`` mails into the user's folders; returns (messages, bytes)."""
    rng = random.Random(seed)
    total = 0
    for n in range(count):
        raw = make_mail(n, user, f"旧邮件 {n} 项目进度", rng.randint(2_000, 40_000), seed)
        if n % 500 == 499:
            raw = with_attachment(raw, os.urandom(rng.randint(4_000_000, 6_000_000)), "big.pdf")
        elif n % 20 == 19:
            raw = with_attachment(raw, os.urandom(rng.randint(100_000, 1_000_000)), "doc.pdf")
        folder = rng.choices([f for f, _ in FOLDERS], [w for _, w in FOLDERS])[0]
        put(dovecot, user, raw, folder, "S" if n % 3 == 0 else "")
        total += len(raw)
    return count, total


def put(dovecot: Dovecot, user: str, raw: bytes, folder: str, flags: str) -> None:
    """One mail into a Maildir++ folder (``""`` the Inbox; ``.`` nests), before ``start``."""
    maildir = dovecot.home(user) / "Maildir"
    path = maildir / f".{folder}" if folder else maildir
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}.{random.getrandbits(48):x}.bench,S={len(raw)}:2,{flags}"
    (path / "tmp" / name).write_bytes(raw)
    (path / "tmp" / name).rename(path / "cur" / name)


class Peak:
    """The server's resident memory, sampled every 0.5 s (and its kernel high-water mark)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.samples, self._stop = pid, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _status(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.samples.append(self._status("VmRSS:"))
            except OSError:
                return

    def start(self) -> Peak:
        self._thread.start()
        return self

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(5)
        try:
            hwm = self._status("VmHWM:")
        except OSError:
            hwm = 0
        return {
            "rss_peak_mb": round(hwm / 2**20, 1),
            "rss_max_sampled_mb": round(max(self.samples, default=0) / 2**20, 1),
            "rss_last_mb": round((self.samples[-1] if self.samples else 0) / 2**20, 1),
        }


def main() -> None:
    exit_on_sigterm()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--members", type=int, default=10)
    p.add_argument("--messages", type=int, default=5000, help="per member")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--parallel", type=int, default=4, help="QIYOU_MIGRATION_PARALLEL")
    p.add_argument("--keep", action="store_true", help="keep the server's data dir")
    args = p.parse_args()
    if not installed():
        sys.exit("dovecot is not installed (apt-get install dovecot-imapd dovecot-pop3d)")

    server = BenchServer(
        db=args.db,
        keep=args.keep,
        extra_env={
            "QIYOU_FETCH_PRIVATE_HOSTS": "1",  # Dovecot listens on loopback
            "QIYOU_MIGRATION_PARALLEL": str(args.parallel),
        },
    )
    dovecot = Dovecot()
    try:
        users = [f"old{i:03d}@old.example" for i in range(args.members)]
        for user in users:
            dovecot.add_user(user, OLD_PASSWORD)
        began = time.monotonic()
        messages = size = 0
        for i, user in enumerate(users):
            got = fill(dovecot, user, args.messages, seed=i)
            messages, size = messages + got[0], size + got[1]
        fill_seconds = time.monotonic() - began
        dovecot.start()
        print(f"old server: {messages} mails, {size / 1e6:.0f} MB in {fill_seconds:.0f} s")

        server.create_database()
        subprocess.run(  # the first command makes the database: slow on a loaded machine
            [*qiyou_command(), "domain", "add", DOMAIN],
            env=server.env(), capture_output=True, check=True, timeout=900,
        )  # fmt: skip
        server.provision(args.members)
        server.start()
        members = Path(tempfile.mkdtemp(prefix="migration-bench-")) / "members.csv"
        members.write_text(
            "".join(f"{u},{OLD_PASSWORD},{member_email(i)}\n" for i, u in enumerate(users))
        )
        assert server.process is not None
        peak = Peak(server.process.pid).start()
        cpu_before = tree_seconds(server.process.pid)
        assert dovecot.process is not None
        dovecot_before = tree_seconds(dovecot.process.pid)
        started = time.monotonic()
        source = f"imap://127.0.0.1:{dovecot.imap_port}"
        result = subprocess.run(
            [*qiyou_command(), "migration", "start", "--source", source, "--members",
             str(members), "--wait"],
            env=server.env(), capture_output=True, text=True, timeout=6 * 3600,
        )  # fmt: skip
        seconds = time.monotonic() - started
        memory = peak.stop()
        cpu = tree_seconds(server.process.pid) - cpu_before
        dovecot_cpu = tree_seconds(dovecot.process.pid) - dovecot_before
        status = result.stdout.strip().splitlines()
        print("\n".join(status[-(args.members + 1) :]))
        done = all(" DONE " in line for line in status[-args.members :])
        rate = re.search(r"([\d.]+) msg/s", status[-(args.members + 1)] if status else "")
        figures: dict[str, Any] = {
            "bench": "migration_rate",
            "db": args.db,
            "members": args.members,
            "messages_per_member": args.messages,
            "messages": messages,
            "mb": round(size / 1e6, 1),
            "parallel": args.parallel,
            "all_done": done,
            "exit": result.returncode,
            "seconds": round(seconds, 1),
            "messages_per_s": round(messages / seconds, 1),
            "mb_per_s": round(size / 1e6 / seconds, 2),
            # the server's own rate: from the first member's start to the last one's end
            "server_messages_per_s": float(rate.group(1)) if rate else None,
            **memory,
            "server_cpu_s": round(cpu, 1),
            "dovecot_cpu_s": round(dovecot_cpu, 1),
            "log_errors": server.log_problems()[0],
            "machine": machine(),
            "code": code_state(),
        }
        print(
            f"\n{messages} messages, {size / 1e6:.0f} MB in {seconds:.1f} s: "
            f"{figures['messages_per_s']} messages/s, {figures['mb_per_s']} MB/s; "
            f"server peak RSS {memory['rss_peak_mb']} MB, CPU {cpu:.0f} s "
            f"(Dovecot {dovecot_cpu:.0f} s); all DONE: {done}"
        )
        print_json(figures)
    finally:
        server.close()
        dovecot.close()


if __name__ == "__main__":
    main()
