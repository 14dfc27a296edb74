"""Shared helpers of the Qiyou benchmarks: a real ``qiyou serve`` subprocess, provisioning
through the real ``qiyou`` CLI, GraphQL login, realistic test mail and statistics.

Everything runs on 127.0.0.1 only; every wait is bounded; ``BenchServer.close`` kills the
server, drops the PostgreSQL database it created and removes its temporary data dir.
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-9"
DOMAIN = "bench.example"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"
OTHER_LOAD_LIMIT = 0.3  # CPU cores used by unrelated processes above which figures are skewed

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on LoginSuccess { token }
  }
}
"""


def exit_on_sigterm() -> None:
    """Turn SIGTERM (``timeout``, ``kill``) into SystemExit, so ``finally`` cleans up: the
    server is stopped, the PostgreSQL database dropped and the temp dir removed."""

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def qiyou_command() -> list[str]:
    """The real ``qiyou`` console script of this venv (or ``python -m api.cli``)."""
    script = Path(sys.executable).with_name("qiyou")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_nofile_limit() -> int:
    """Raise the soft open-file limit to the hard limit (inherited by child processes)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 65536 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def member_email(i: int) -> str:
    return f"m{i:04d}@{DOMAIN}"


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-v", "ON_ERROR_STOP=1"]
        + ["-q", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(mem_kb / 2**20, 1),
        "fsync_20k_p50_ms": fsync_probe(),
    }


def code_state() -> dict[str, str]:
    """Which server code was measured, without git: a hash of every ``.py`` file under
    api/, schema/ and mailcore/ and the newest modification time among them."""
    import hashlib
    from datetime import UTC, datetime

    digest = hashlib.sha256()
    newest = 0.0
    for package in ("api", "schema", "mailcore"):
        for path in sorted((ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
            newest = max(newest, path.stat().st_mtime)
    when = datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return {"sha256_12": digest.hexdigest()[:12], "newest_change": when}


def fsync_probe(directory: str | None = None, rounds: int = 50) -> float:
    """p50 of append 20 KB + fsync in the temp dir (where the benches keep their data), ms."""
    times = []
    with tempfile.NamedTemporaryFile(dir=directory, prefix="qiyou-fsync-") as f:
        for _ in range(rounds):
            f.write(os.urandom(20 * 1024))
            f.flush()
            t0 = time.perf_counter()
            os.fsync(f.fileno())
            times.append(time.perf_counter() - t0)
    return round(sorted(times)[len(times) // 2] * 1000, 2)


@dataclass
class CpuSample:
    """Server CPU seconds (all threads and the main/event-loop thread) and the whole
    machine's busy CPU seconds (every process: server, clients, PostgreSQL, Redis)."""

    at: float
    total: float
    main: float
    machine: float
    services: float  # PostgreSQL and Redis processes
    system: float = 0.0  # of ``total``: in the kernel (sockets, fsync, ...)


def services_seconds(names: tuple[str, ...] = ("postgres", "redis-server")) -> float:
    """CPU seconds of every process whose name is in ``names`` (the local DB and Redis),
    each counted at the top of its tree: PostgreSQL's backends that ended are in the
    postmaster's reaped-children time, not lost with them."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            parent = text.rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        name = text[text.find("(") + 1 : text.rfind(")")]
        if name in names and _name(parent) not in names:
            total += tree_seconds(int(stat.parent.name))
    return total


def _name(pid: str) -> str:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return text[text.find("(") + 1 : text.rfind(")")]


def tree_seconds(root: int) -> float:
    """CPU seconds of ``root`` and its live descendants, with what their reaped children used."""
    total, stack = 0, [str(root)]
    while stack:
        pid = stack.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
            for task in os.listdir(f"/proc/{pid}/task"):
                stack += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except (OSError, ProcessLookupError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(threshold: float = OTHER_LOAD_LIMIT, max_wait: float = 300) -> float:
    """Wait (bounded) until the machine's busy CPU over 5 s is below ``threshold`` cores;
    returns the last measured load. Other work on a 2-core machine skews the figures."""
    deadline = time.monotonic() + max_wait
    load = 0.0
    while True:
        t0, b0 = time.monotonic(), machine_busy_seconds()
        time.sleep(5)
        load = (machine_busy_seconds() - b0) / (time.monotonic() - t0)
        if load < threshold or time.monotonic() > deadline:
            break
        print(f"machine busy ({load:.2f} cores used by others), waiting ...", flush=True)
    return load


def machine_busy_seconds() -> float:
    """CPU seconds spent not idle (nor in iowait) by the whole machine since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _ticks(stat_path: Path, system_only: bool = False) -> float:
    fields = stat_path.read_text().rsplit(")", 1)[1].split()
    # fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5), after the name)
    ticks = int(fields[12]) if system_only else int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def bench_dns() -> Any:
    """A loopback DNS server answering as the senders' real DNS would (SPF, DMARC, MX for
    partner.example): inbound mail is checked as in production, where a caching resolver
    answers in a millisecond, not against this machine's missing DNS (timeouts)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.e2e.dnsserver import DnsServer

    dns = DnsServer()
    dns.set("partner.example", "TXT", ['"v=spf1 ip4:127.0.0.0/8 -all"'])
    dns.set("partner.example", "MX", ["10 mx.partner.example."])
    dns.set("mx.partner.example", "A", ["127.0.0.1"])
    dns.set("_dmarc.partner.example", "TXT", ['"v=DMARC1; p=none"'])
    return dns.start()


@dataclass
class BenchServer:
    """One ``qiyou serve`` subprocess with its own temp data dir (and PG database)."""

    db: str = "sqlite"  # sqlite | postgres
    broadcast: str = "memory"  # memory | redis
    extra_env: dict[str, str] = field(default_factory=dict)
    keep: bool = False
    http_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    submission_port: int = field(default_factory=free_port)
    submissions_port: int = field(default_factory=free_port)
    imap_port: int = field(default_factory=free_port)
    imaps_port: int = field(default_factory=free_port)
    pop3_port: int = field(default_factory=free_port)
    pop3s_port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="qiyou-bench-"))
        self.pg_db: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log: Any = None
        self.dns = bench_dns()

    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.http_port}/graphql"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            **self.extra_env,
            "QIYOU_DATA_DIR": str(self.data_dir),
            "QIYOU_HOST": "127.0.0.1",
            "QIYOU_HTTP_PORT": str(self.http_port),
            "QIYOU_SMTP_PORT": str(self.smtp_port),
            "QIYOU_SUBMISSION_PORT": str(self.submission_port),
            "QIYOU_SUBMISSIONS_PORT": str(self.submissions_port),
            "QIYOU_IMAP_PORT": str(self.imap_port),
            "QIYOU_IMAPS_PORT": str(self.imaps_port),
            "QIYOU_POP3_PORT": str(self.pop3_port),
            "QIYOU_POP3S_PORT": str(self.pop3s_port),
            "BROADCAST_URL": REDIS_URL if self.broadcast == "redis" else "memory://",
            "QIYOU_DNS_SERVERS": self.dns.address,
        }
        env.pop("DATABASE_URL", None)
        if self.pg_db:
            env["DATABASE_URL"] = f"{PG_ADMIN_URL}/{self.pg_db}"
        return env

    def create_database(self) -> None:
        if self.db == "postgres":
            self.pg_db = f"qiyou_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            _psql(f'CREATE DATABASE "{self.pg_db}"')

    def cli(self, *args: str, retries: int = 3) -> str:
        """Run the real ``qiyou`` CLI against this server's data (bounded retries)."""
        last = ""
        for attempt in range(retries):
            try:
                result = subprocess.run(
                    [*qiyou_command(), *args],
                    env=self.env(),
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=90,
                )
            except subprocess.TimeoutExpired as exc:
                tail = (exc.stderr or b"")[-2000:]
                tail = tail.decode(errors="replace") if isinstance(tail, bytes) else tail
                raise RuntimeError(f"qiyou {' '.join(args)} hung for 90 s:\n{tail}") from exc
            if result.returncode == 0:
                return result.stdout
            last = result.stderr.strip() or result.stdout.strip()
            if "already" in last:  # a retry after a lock timeout that had in fact succeeded
                return last
            time.sleep(0.5 * (attempt + 1))
        raise RuntimeError(f"qiyou {' '.join(args)} failed: {last}")

    def provision(self, members: int, parallel: int = 2) -> float:
        """Add the bench domain and ``members`` VIP members with the CLI; returns seconds."""
        started = time.monotonic()
        self.cli("domain", "add", DOMAIN)
        self.cli("user", "add", member_email(0), "--password", PASSWORD, "--vip")  # migrates

        def add(i: int) -> str:
            return self.cli(
                "user", "add", member_email(i), "--password", PASSWORD, "--vip",
                "--name", f"成员 {i} Member",
            )  # fmt: skip

        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            list(pool.map(add, range(1, members)))
        return time.monotonic() - started

    def start(self, timeout: float = 60) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [*qiyou_command(), "serve"],
            env=self.env(),
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.http_port}/health", timeout=1).is_success:
                    if _listening(self.smtp_port):
                        return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def cpu(self) -> CpuSample:
        assert self.process is not None
        pid = self.process.pid
        try:
            total = _ticks(Path(f"/proc/{pid}/stat"))
            main = _ticks(Path(f"/proc/{pid}/task/{pid}/stat"))
            system = _ticks(Path(f"/proc/{pid}/stat"), system_only=True)
        except (OSError, IndexError, ValueError):
            total = main = system = 0.0
        return CpuSample(
            time.monotonic(), total, main, machine_busy_seconds(), services_seconds(), system
        )

    def start_profiler(self, out: str, native: bool = False) -> subprocess.Popen[bytes] | None:
        """Sample the server with py-spy (all threads, idle frames too) until stopped;
        ``out`` ending in ``.svg`` gives a flame graph, ``.txt`` collapsed stacks (``raw``),
        anything else speedscope JSON."""
        assert self.process is not None
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(spy).exists():
            print("py-spy not found: pip install py-spy (profile skipped)", file=sys.stderr)
            return None
        fmt = {".svg": "flamegraph", ".txt": "raw"}.get(Path(out).suffix, "speedscope")
        cmd = [spy, "record", "-p", str(self.process.pid), "-o", out, "-f", fmt, "-r", "200"]
        cmd += ["--threads", "--idle", "--nonblocking"] + (["--native"] if native else [])
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    @staticmethod
    def stop_profiler(spy: subprocess.Popen[bytes] | None) -> None:
        if spy is None:
            return
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(timeout=60)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait(timeout=10)

    def log_problems(self, limit: int = 12) -> tuple[int, list[str]]:
        """The number of ERROR/CRITICAL records in the server log, and the first few of
        them, each followed by the exception its traceback ends with (if any)."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return 0, []
        count, first = 0, []
        in_traceback = False
        for line in lines:
            if re.search(r"\b(ERROR|CRITICAL)\b", line):
                count += 1
                first.append(line)
            elif line.startswith("Traceback"):
                in_traceback = True
            elif in_traceback and line and not line[0].isspace():
                if not line.startswith(("During handling", "The above exception")):
                    first.append(f"  -> {line}")
                    in_traceback = False
        return count, first[:limit]

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 15 s); the log stays readable."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def close(self) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
        if self.pg_db:
            try:
                _psql(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')
            except (subprocess.SubprocessError, OSError) as exc:
                print(f"warning: could not drop database {self.pg_db}: {exc}", file=sys.stderr)
            self.pg_db = None
        if self.keep:
            print(f"kept data dir {self.data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


async def login_all(url: str, emails: list[str], parallel: int = 4) -> dict[str, str]:
    """GraphQL ``login`` for each address; returns address → bearer token."""
    tokens: dict[str, str] = {}
    limit = asyncio.Semaphore(parallel)
    async with httpx.AsyncClient(timeout=60) as http:

        async def one(email: str) -> None:
            async with limit:
                response = await http.post(
                    url, json={"query": LOGIN, "variables": {"email": email, "password": PASSWORD}}
                )
            result = response.json()["data"]["login"]
            if result["__typename"] != "LoginSuccess":
                raise RuntimeError(f"login {email}: {result}")
            tokens[email] = result["token"]

        await asyncio.gather(*(one(e) for e in emails))
    return tokens


# --- realistic mail --------------------------------------------------------------------

_ZH = [
    "各位同事，附上本季度的销售数据汇总，请在周五之前审阅并反馈意见。",
    "关于下周的产品发布会，市场部已经完成了新闻稿的初稿，技术部请确认参数。",
    "根据财务部的要求，所有差旅报销单需要在月底前提交，逾期将顺延至下月处理。",
    "客户反馈新版本的登录速度明显提升，但在部分安卓机型上仍有兼容性问题。",
    "请注意：本周六凌晨两点至四点，机房将进行例行维护，邮件服务可能短暂中断。",
    "我们已与供应商就价格条款达成一致，合同将在法务审核后正式签署。",
]
_EN = [
    "Please find the quarterly figures below; the regional breakdown is in the shared folder.",
    "As discussed in the meeting, we will move the release to the second week of next month.",
    "The customer asked whether the on-premise edition supports single sign-on with LDAP.",
    "Reminder: expense reports for October must be submitted before the end of the month.",
    "Thanks for the quick turnaround on the contract draft, legal has a few minor comments.",
    "Attached are the meeting notes; action items are assigned at the end of the document.",
]
_SENDERS = [("张伟", "zhang.wei"), ("李娜", "li.na"), ("Wang Fang", "wang.fang"), ("John", "john")]


def _wrap_b64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + b"\r\n"


def _body_text(rng: random.Random, approx_bytes: int, marker: str) -> str:
    parts = [f"您好，\n\n({marker})\n"]
    size = 0
    while size < approx_bytes:
        paragraph = " ".join(rng.choice(_ZH if rng.random() < 0.5 else _EN) for _ in range(4))
        parts.append(paragraph + "\n")
        size += len(paragraph.encode())
    parts.append("\n此致\n敬礼\n-- \nPartner Co. 合作伙伴有限公司\n")
    return "\n".join(parts)


def make_mail(index: int, recipient: str, subject: str, size: int, seed: int = 0) -> bytes:
    """A ~``size``-byte mail as a Chinese business client sends it: multipart/alternative,
    UTF-8 text and HTML parts in base64, RFC 2047 encoded From name and Subject."""
    rng = random.Random(seed * 1_000_003 + index)
    name, local = _SENDERS[index % len(_SENDERS)]
    # text + html, each base64 (4/3) → about 0.33 of the target per part in raw UTF-8
    text = _body_text(rng, max(200, int(size * 0.33)), f"ref {index}")
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.splitlines()) + "</body>"
    boundary = f"----=_Part_{index}_{rng.getrandbits(48):x}"
    headers = [
        f"From: {Header(name, 'utf-8').encode()} <{local}@partner.example>",
        f"To: <{recipient}>",
        f"Subject: {Header(subject, 'utf-8').encode()}",
        f"Date: {formatdate(localtime=False)}",
        f"Message-ID: <{uuid.uuid4().hex}.{index}@partner.example>",
        "MIME-Version: 1.0",
        "X-Mailer: Foxmail 7.2.25.228[cn]",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    out = (
        "\r\n".join(headers).encode() + b"\r\n\r\nThis is a multi-part message in MIME format.\r\n"
    )
    for ctype, content in (("text/plain", text), ("text/html", html)):
        out += (
            f"\r\n--{boundary}\r\nContent-Type: {ctype}; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode() + _wrap_b64(content.encode())
    return out + f"\r\n--{boundary}--\r\n".encode()


def dot_stuff(raw: bytes) -> bytes:
    """The DATA payload: CRLF lines, leading dots doubled, ending in ``.\\r\\n``."""
    raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    raw = re.sub(rb"(?m)^\.", b"..", raw)
    return raw + b".\r\n"


# --- statistics ------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile ``q`` (0-100) of ``values``; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def summary_ms(values: list[float], qs: tuple[float, ...] = (50, 95, 99)) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(values)}
    for q in qs:
        out[f"p{q:g}_ms"] = ms(percentile(values, q))
    out["max_ms"] = ms(max(values)) if values else None
    return out


def fmt_ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def print_json(figures: dict[str, Any]) -> None:
    print(json.dumps(figures, ensure_ascii=False, sort_keys=True))


class ProcessPool:
    """Client worker processes (forked), each driven over a pipe with command tuples."""

    def __init__(self, target: Any, args_per_process: list[tuple[Any, ...]]) -> None:
        ctx = mp.get_context("fork")
        self.procs: list[Any] = []
        self.pipes: list[Any] = []
        for args in args_per_process:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=target, args=(*args, child), daemon=True)
            proc.start()
            self.procs.append(proc)
            self.pipes.append(parent)

    def ask(self, command: tuple[Any, ...], timeout: float = 60) -> list[Any]:
        """Send ``command`` to every process; their answers, in order."""
        for pipe in self.pipes:
            pipe.send(command)
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise RuntimeError(f"client process did not answer {command[0]}")
            answer = pipe.recv()
            if isinstance(answer, dict) and "fatal" in answer:
                raise RuntimeError(f"client process failed: {answer['fatal']}")
            answers.append(answer)
        return answers

    async def aask(self, command: tuple[Any, ...], timeout: float = 60) -> list[Any]:
        return await asyncio.to_thread(self.ask, command, timeout)

    def join(self) -> None:
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=10)


async def subscribed_socket(
    url: str,
    token: str,
    query: str,
    *,
    timeout: float = 60,
    max_size: int = 2**22,
    compression: str | None = None,
) -> Any:
    """A graphql-transport-ws websocket, signed in with ``token`` and subscribed to
    ``query`` as operation "1" (closed again if the server does not acknowledge it)."""
    from websockets.asyncio.client import connect

    ws = await connect(
        url,
        subprotocols=["graphql-transport-ws"],
        open_timeout=timeout,
        close_timeout=2,
        max_size=max_size,
        compression=compression,
    )
    try:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"no ack: {ack}")
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    except BaseException:
        await ws.close()
        raise
    return ws
