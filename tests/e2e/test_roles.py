"""``qiyou serve --roles``: one deployment split into an MX process, a web process (HTTP and
submission) and a worker process, on one PostgreSQL database, one Redis and one S3 bucket,
each with a data dir of its own.
Each listens only on its own ports; mail taken by the MX process is read and found through
the web process, because the worker process does the outbox jobs the MX process committed;
mail submitted on the web process is delivered by the worker. Started with ``--no-migrate``
on a database another process migrated."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import PG_URL, REDIS_URL, _psql, need_services, provisioned_copy
from tests.e2e.client import login
from tests.e2e.cluster import cluster_env, relay_env
from tests.e2e.delivery_env import until
from tests.e2e.mail import find, mx, simple_mail, submission, unique
from tests.e2e.server import PASSWORD, QIYOU, ROOT, _listening
from tests.e2e.smtpsink import Sink
from tests.e2e.test_multinode import Node
from tests.e2e.test_search import until_found
from tests.seaweed import Seaweed, seaweed  # noqa: F401 - the session's S3 server fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("postgres")]


@dataclass
class RoleNode(Node):
    """A ``qiyou serve --roles … --no-migrate`` process, up once its own listeners answer."""

    roles: str = "all"

    def _start(self) -> None:
        self.log = open(self.data_dir / "server.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*QIYOU, "serve", "--roles", self.roles, "--no-migrate"],
            env=self.full_env(),
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.data_dir / "server.log").read_text()
            if self._up():
                return
            time.sleep(0.1)
        raise RuntimeError(
            f"{self.roles} did not start: {(self.data_dir / 'server.log').read_text()}"
        )

    def _up(self) -> bool:
        roles = set(self.roles.split(","))
        if "http" in roles:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code != 200:
                    return False
            except httpx.TransportError:
                return False
        if "mx" in roles and not _listening(self.smtp_port):
            return False
        if "submission" in roles and not _listening(self.submission_port):
            return False
        if roles == {"worker"}:
            return b"Qiyou ready: roles worker" in (self.data_dir / "server.log").read_bytes()
        return True


@pytest.fixture(scope="module")
def split(
    sink: Sink,  # tests/e2e/cluster.py (a plugin of tests/conftest.py)
    seaweed: Seaweed,  # noqa: F811 - the session's S3 server
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, RoleNode]]:
    need_services(PG_URL, REDIS_URL)
    shared = tmp_path_factory.mktemp("roles")
    database = provisioned_copy("postgres", shared)  # migrated: the processes do not migrate
    assert database is not None
    env = cluster_env(database, blob_url=seaweed.blob_url(seaweed.new_bucket()), **relay_env(sink))
    nodes = {}
    for roles in ("mx", "http,submission", "worker"):
        name = roles.replace(",", "-")
        (shared / name).mkdir()
        nodes[roles] = RoleNode(data_dir=shared / name, env=env, roles=roles)
    try:
        for node in nodes.values():
            node.start()
        yield nodes
    finally:
        for node in nodes.values():
            node.stop()
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


async def test_each_process_listens_only_for_its_roles(split):
    mx_node, web, worker = split["mx"], split["http,submission"], split["worker"]
    assert _listening(mx_node.smtp_port)
    assert not _listening(mx_node.http_port) and not _listening(mx_node.submission_port)
    assert _listening(web.http_port) and _listening(web.submission_port)
    assert not _listening(web.smtp_port)
    for port in (worker.http_port, worker.smtp_port, worker.submission_port):
        assert not _listening(port)


async def test_mail_taken_by_the_mx_process_is_read_and_found_through_the_web_process(split):
    mx_node, web = split["mx"], split["http,submission"]
    tag = unique("roles").split()[1]
    subject = f"split deployment {tag}"
    with mx(mx_node.smtp_port) as smtp:
        smtp.sendmail(
            "far@outside.test",
            ["bob@example.com"],
            simple_mail("far@outside.test", "bob@example.com", subject),
        )
    bob = await login(web.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, subject, wait=10), "stored by one process, read through another"
    found = await until_found(bob, tag, 1)  # indexed by the worker process from the outbox
    assert [e["node"]["subject"] for e in found["edges"]] == [subject]


async def test_mail_submitted_on_the_web_process_is_delivered_by_the_worker(split, sink):
    web = split["http,submission"]
    subject = unique("roles outbound")
    smtp = await submission(web)
    try:
        await smtp.sendmail(
            "alice@example.com",
            ["pat@far-away.test"],
            simple_mail("alice@example.com", "pat@far-away.test", subject),
        )
    finally:
        await smtp.quit()
    await until(
        lambda: [m for m in sink.messages if subject.encode() in m.data], what="the relayed mail"
    )


async def test_without_a_worker_jobs_wait_in_the_outbox_until_one_starts(split):
    mx_node, web, worker = split["mx"], split["http,submission"], split["worker"]
    worker.stop()
    tag = unique("noworker").split()[1]
    with mx(mx_node.smtp_port) as smtp:
        smtp.sendmail(
            "far@outside.test",
            ["bob@example.com"],
            simple_mail("far@outside.test", "bob@example.com", f"waits for a worker {tag}"),
        )
    bob = await login(web.graphql_url, "bob@example.com", PASSWORD)
    assert await find(bob, f"waits for a worker {tag}", wait=10)
    assert int(web.sql("SELECT count(*) FROM outbox WHERE topic = 'search.mail'")) >= 1
    worker.start()
    found = await until_found(bob, tag, 1)
    assert found["totalCount"] == 1


def test_an_unknown_role_is_refused_with_the_known_ones(tmp_path):
    result = subprocess.run(
        [*QIYOU, "serve", "--roles", "http,imap4"],
        cwd=ROOT,
        env={**os.environ, "QIYOU_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "unknown role(s) imap4" in result.stderr and "worker" in result.stderr
