"""Start a real ``qiyou serve`` process for tests, provisioned through the ``qiyou`` CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

QIYOU = [sys.executable, "-m", "api.cli"]
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-9"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    data_dir: Path
    env: dict[str, str]
    http_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    submission_port: int = field(default_factory=free_port)
    submissions_port: int = field(default_factory=free_port)
    imap_port: int = field(default_factory=free_port)
    imaps_port: int = field(default_factory=free_port)
    pop3_port: int = field(default_factory=free_port)
    pop3s_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.http_port}/graphql"

    def full_env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.env,
            "QIYOU_DATA_DIR": str(self.data_dir),
            "QIYOU_HTTP_PORT": str(self.http_port),
            "QIYOU_SMTP_PORT": str(self.smtp_port),
            "QIYOU_SUBMISSION_PORT": str(self.submission_port),
            "QIYOU_SUBMISSIONS_PORT": str(self.submissions_port),
            "QIYOU_IMAP_PORT": str(self.imap_port),
            "QIYOU_IMAPS_PORT": str(self.imaps_port),
            "QIYOU_POP3_PORT": str(self.pop3_port),
            "QIYOU_POP3S_PORT": str(self.pop3s_port),
            "QIYOU_HOST": "127.0.0.1",
        }

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*QIYOU, *args], env=self.full_env(), cwd=ROOT, capture_output=True, text=True
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"qiyou {' '.join(args)} failed: {result.stderr}")
        return result

    def sql(self, query: str) -> str:
        """Run one read-only SQL query against the server's database; the first cell as text.

        For checks that have no API yet; tests otherwise read through GraphQL/SMTP.
        """
        url = self.env.get("DATABASE_URL")
        if url:
            result = subprocess.run(
                ["psql", url.replace("postgres://", "postgresql://", 1), "-tAc", query],
                capture_output=True,
                text=True,
                check=True,
            )
            return result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
        import sqlite3

        with sqlite3.connect(self.data_dir / "qiyou.sqlite3") as db:
            row = db.execute(query).fetchone()
        return "" if row is None else str(row[0])

    def mailcore(self, code: str, **args: Any) -> Any:
        """Run ``code`` (an async function body over ``args`` returning a JSON value) against
        the server's database through mailcore's own services and models, in a subprocess:
        test setup that the API does not offer."""
        script = "\n".join(
            [
                "import asyncio, json, sys",
                "from mailcore.core.config import Settings",
                "from mailcore.core.db import close_db, open_db",
                "from mailcore.core.models import *",
                "async def work(args):",
                textwrap.indent(textwrap.dedent(code), "    "),
                "async def main():",
                "    await open_db(Settings.from_env())",
                "    try:",
                "        print(json.dumps(await work(json.loads(sys.argv[1]))))",
                "    finally:",
                "        await close_db()",
                "asyncio.run(main())",
            ]
        )
        result = subprocess.run(
            [sys.executable, "-c", script, json.dumps(args)],
            env=self.full_env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start(self, tries: int = 3) -> None:
        """Start and wait until every listener answers. A port that ``free_port`` saw free
        may be taken by another process before the server binds it (two test workers start
        servers at once): then the server starts again on other free ports."""
        for attempt in range(tries):
            try:
                return self._start()
            except PortTaken:
                if attempt == tries - 1:
                    raise
                self.http_port, self.smtp_port = free_port(), free_port()
                self.submission_port, self.submissions_port = free_port(), free_port()
                self.imap_port, self.imaps_port = free_port(), free_port()
                self.pop3_port, self.pop3s_port = free_port(), free_port()

    def _start(self) -> None:
        self.log = open(self.data_dir / "server.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*QIYOU, "serve"], env=self.full_env(), cwd=ROOT, stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.close()
                log = (self.data_dir / "server.log").read_text()
                if "address already in use" in log or " is in use" in log:  # qiyou's line
                    raise PortTaken(log)
                raise RuntimeError(f"server exited: {log}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    if _listening(self.smtp_port) and _listening(self.submission_port):
                        return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not None:
            self.log.close()


class PortTaken(RuntimeError):
    """The server could not bind a port chosen for it."""


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def provision(server: Server) -> None:
    """The test companies.

    example.com (with example.net, and example.cn as an alias domain): alice (alias
    ali@example.net), bob, carol (60 KB quota), vip (VIP, 1 KB quota), admin (super
    administrator). other.org: olga, oscar (its super administrator).

    Created through the same services the ``qiyou domain/user/admin`` commands call, in one
    process (one start-up and migration check instead of fourteen; the commands themselves
    are tested by the suites that use ``server.cli``).
    """
    server.mailcore(
        """
        from mailcore.admin.roles import grant
        from mailcore.admin.scope import system_scope
        from mailcore.core.config import parse_size
        from mailcore.org.service import add_alias, add_domain, add_member
        password, quota = args["password"], Settings.from_env().default_quota
        await add_domain("example.com")
        await add_domain("example.net", "example.com")
        await add_domain("example.cn", alias_of="example.com")
        alice = await add_member("alice@example.com", password, name="Alice 王", quota=quota)
        await add_member("bob@example.com", password, name="Bob", quota=quota)
        await add_member("carol@example.com", password, quota=parse_size("60K"))
        await add_member("vip@example.com", password, vip=True, quota=parse_size("1K"))
        await add_alias(alice, "ali@example.net")
        admin = await add_member("admin@example.com", password, name="Admin", quota=quota)
        await grant(system_scope(admin.enterprise_id), admin, is_super=True, permissions=[],
                    department_ids=[])
        await add_domain("other.org")
        await add_member("olga@other.org", password, quota=quota)
        oscar = await add_member("oscar@other.org", password, quota=quota)
        await grant(system_scope(oscar.enterprise_id), oscar, is_super=True, permissions=[],
                    department_ids=[])
        return True
        """,
        password=PASSWORD,
    )


def seed(
    server: Server,
    *,
    domains: tuple[str, ...] = (),
    members: dict[str, dict[str, Any]] | None = None,
    supers: tuple[str, ...] = (),
    aliases: dict[str, str] | None = None,
) -> Any:
    """Test data made in one process: ``domains``, ``members`` (email: ``name``, ``vip``,
    ``quota`` as for ``qiyou user add``; password ``PASSWORD``), ``supers`` (super
    administrators) and ``aliases`` (alias: email), through the services the
    ``qiyou domain add``/``user add``/``user alias``/``admin grant --super`` commands call
    (tests/e2e/test_cli.py tests the commands themselves)."""
    return server.mailcore(  # awaitable for an in-process tests/service app
        """
        from mailcore.admin.roles import grant
        from mailcore.admin.scope import system_scope
        from mailcore.core.config import parse_size
        from mailcore.org.service import add_alias, add_domain, add_member, find_member
        default_quota = Settings.from_env().default_quota
        for domain in args["domains"]:
            await add_domain(domain, None)
        for email, options in args["members"].items():
            quota = parse_size(options["quota"]) if options.get("quota") else default_quota
            await add_member(email, args["password"], name=options.get("name", ""),
                             vip=options.get("vip", False), quota=quota)
        for alias, email in args["aliases"].items():
            await add_alias(await find_member(email), alias)
        for email in args["supers"]:
            member = await find_member(email)
            await grant(system_scope(member.enterprise_id), member, is_super=True,
                        permissions=[], department_ids=[])
        return True
        """,
        domains=list(domains),
        members=members or {},
        supers=list(supers),
        aliases=aliases or {},
        password=PASSWORD,
    )
