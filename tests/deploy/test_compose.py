"""The processes deploy/compose.yaml starts, started here with the same commands, roles and
environment: each qiyou service's ``command`` and ``environment`` come from the compose file,
with its engines' host names mapped to this machine's (PostgreSQL, Redis, SeaweedFS; a
fresh database). Meilisearch cannot run here, so ``SEARCH_URL`` becomes ``tantivy://``.

The migrate service runs once on an empty database, then the two http nodes, the mail node
and the worker start with ``--no-migrate``: every node answers its health check (the image's
own deploy/healthcheck.py), each runs only its roles, and a mail sent to the mail node's MX
is listed, and its raw message read from the shared bucket, through both http nodes (the
mail node having had a SIGHUP, its unit's reload, first)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mailcore.core.net.tls import ensure_self_signed
from tests.conftest import PG_URL, REDIS_URL, _pg_url, _psql, need_services
from tests.deploy.compose_file import DEPLOY, ROOT, qiyou_services
from tests.e2e.client import login
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD, QIYOU, Server, free_port, seed
from tests.seaweed import S3_ENV
from tests.seaweed import s3_blob_url as s3_blob_url  # the session fixtures
from tests.seaweed import seaweed as seaweed

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("postgres")]

HEALTHCHECK = DEPLOY / "healthcheck.py"
PORTS = (
    "QIYOU_HTTP_PORT",
    "QIYOU_SMTP_PORT",
    "QIYOU_SUBMISSION_PORT",
    "QIYOU_SUBMISSIONS_PORT",
    "QIYOU_IMAP_PORT",
    "QIYOU_IMAPS_PORT",
    "QIYOU_POP3_PORT",
    "QIYOU_POP3S_PORT",
)
START_TIMEOUT = 120.0  # a liveness guard: a start takes ~10 s, longer on a busy machine


def _host(url: str) -> str | None:
    return urlsplit(url).hostname


def local_env(compose_env: dict[str, str], database: str, blob_url: str, tls: Path) -> dict:
    """A service's environment with the compose engines replaced by this machine's."""
    env = {key: str(value) for key, value in compose_env.items()}
    assert _host(env["DATABASE_URL"]) == "postgres"
    assert _host(env["BROADCAST_URL"]) == "redis"
    blob = urlsplit(env["QIYOU_BLOB_URL"])
    assert blob.scheme == "s3" and _host(parse_qs(blob.query)["endpoint"][0]) == "seaweedfs"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    assert _host(env["SEARCH_URL"]) == "meilisearch"
    cert, key = ensure_self_signed(tls, "localhost")
    assert Path(env["QIYOU_TLS_CERT"]).name == "fullchain.pem"
    env |= {
        "DATABASE_URL": _pg_url(database),
        "BROADCAST_URL": REDIS_URL,
        "QIYOU_CHANNEL_PREFIX": f"qiyou-{uuid.uuid4().hex[:8]}",
        "QIYOU_BLOB_URL": blob_url,
        **S3_ENV,
        "SEARCH_URL": "tantivy://",  # no Meilisearch server here
        "QIYOU_TLS_CERT": str(cert),
        "QIYOU_TLS_KEY": str(key),
        "QIYOU_HOST": "127.0.0.1",  # 0.0.0.0 in the container
    }
    env |= {name: str(free_port()) for name in PORTS}
    if "QIYOU_METRICS_PORT" in env:
        env["QIYOU_METRICS_PORT"] = str(free_port())
    return env


def listening(port: int | str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=1):
            return True
    except OSError:
        return False


def health(env: dict[str, str]) -> int:
    """The exit code of the image's HEALTHCHECK script for a process with this environment."""
    probe = {"PATH": os.environ["PATH"]} | {
        k: env[k] for k in ("QIYOU_HTTP_PORT", "QIYOU_METRICS_PORT") if k in env
    }
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)], env=probe, capture_output=True, timeout=30
    ).returncode


@dataclass
class Node:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        assert self.command[:2] == ["serve", "--no-migrate"], self.command
        self.roles = frozenset(self.command[self.command.index("--roles") + 1].split(","))

    def port(self, name: str) -> int:
        return int(self.env[name])

    @property
    def probe_port(self) -> int:
        return self.port("QIYOU_HTTP_PORT" if "http" in self.roles else "QIYOU_METRICS_PORT")

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [*QIYOU, *self.command],
                env={**os.environ, **self.env},
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
        if "mx" in self.roles and not listening(self.port("QIYOU_SMTP_PORT")):
            return False
        try:
            url = f"http://127.0.0.1:{self.probe_port}/health/live"
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def cluster(
    s3_blob_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Node]]:
    need_services(PG_URL, REDIS_URL)
    base = tmp_path_factory.mktemp("compose")
    shared = base / "data"  # the embedded search index (tantivy://) of every node
    database = f"qiyou_compose_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {database}")
    services = qiyou_services()
    envs = {
        name: local_env(s["environment"], database, s3_blob_url, base / "tls")
        | {"QIYOU_DATA_DIR": str(shared)}
        for name, s in services.items()
    }
    nodes: dict[str, Node] = {}
    try:
        migrate = subprocess.run(
            [*QIYOU, *services["qiyou-migrate"]["command"]],
            env={**os.environ, **envs["qiyou-migrate"]},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migrate.returncode == 0, migrate.stderr
        for name, service in services.items():
            if name != "qiyou-migrate":
                nodes[name] = Node(name, service["command"], envs[name], base / f"{name}.log")
        for node in nodes.values():
            node.start()
        seed(  # while the nodes start
            Server(data_dir=shared, env=envs["qiyou-migrate"]),
            domains=("example.com",),
            members={"bob@example.com": {"name": "Bob"}},
        )
        deadline = time.monotonic() + START_TIMEOUT
        waiting = set(nodes)
        while waiting and time.monotonic() < deadline:
            waiting = {name for name in waiting if not nodes[name].ready()}
            time.sleep(0.2)
        assert not waiting, f"not up in {START_TIMEOUT:.0f} s: {sorted(waiting)}"
        yield nodes
    finally:
        for node in nodes.values():  # all at once: each takes a few seconds to drain
            if node.process and node.process.poll() is None:
                node.process.terminate()
        for node in nodes.values():
            node.stop()
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def until_ready(node: Node, wait: float = 30.0) -> httpx.Response:
    """``/health/ready`` polled as an orchestrator does (a check may time out while the
    machine is busy): the first 200, or the last answer after ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        ready = httpx.get(f"http://127.0.0.1:{node.probe_port}/health/ready", timeout=10)
        if ready.status_code == 200 or time.monotonic() > deadline:
            return ready
        time.sleep(0.5)


def by_role(cluster: dict[str, Node], role: str) -> list[Node]:
    return [node for node in cluster.values() if role in node.roles]


def test_the_compose_file_runs_two_http_nodes_a_mail_node_and_a_worker(cluster):
    assert len(by_role(cluster, "http")) == 2
    assert [n.roles for n in by_role(cluster, "mx")] == [{"mx", "submission", "imap", "pop3"}]
    assert [n.roles for n in by_role(cluster, "worker")] == [{"worker"}]


def test_every_node_passes_the_image_health_check_and_is_ready(cluster):
    for node in cluster.values():
        assert health(node.env) == 0, node.name
        ready = until_ready(node)
        assert ready.status_code == 200, (node.name, ready.text)
    assert health({"QIYOU_METRICS_PORT": str(free_port())}) == 1  # nothing listens there


def test_each_node_listens_only_for_its_roles(cluster):
    for node in cluster.values():
        assert listening(node.port("QIYOU_HTTP_PORT")) == ("http" in node.roles), node.name
        assert listening(node.port("QIYOU_SMTP_PORT")) == ("mx" in node.roles), node.name
        assert listening(node.port("QIYOU_IMAPS_PORT")) == ("imap" in node.roles), node.name


async def test_mail_to_the_mail_node_is_read_through_both_http_nodes(cluster):
    (mail,) = by_role(cluster, "mx")
    assert mail.process is not None
    mail.process.send_signal(signal.SIGHUP)  # qiyou-mail.service's ExecReload: reload TLS
    subject = unique("compose")
    with mx(mail.port("QIYOU_SMTP_PORT")) as smtp:
        smtp.sendmail(
            "sender@outside.test",
            ["bob@example.com"],
            simple_mail("sender@outside.test", "bob@example.com", subject),
        )
    for node in by_role(cluster, "http"):
        url = f"http://127.0.0.1:{node.port('QIYOU_HTTP_PORT')}"
        bob = await login(f"{url}/graphql", "bob@example.com", PASSWORD)
        found = await find(bob, subject, wait=20)
        assert found is not None, node.name
        raw = httpx.get(f"{url}/messages/{found['id']}/raw", headers=bob.headers(), timeout=30)
        assert raw.status_code == 200, raw.text
        assert subject.encode() in raw.content
    assert mail.process.poll() is None, "the mail node stopped on SIGHUP"
