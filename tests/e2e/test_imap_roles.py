"""IMAP in a process of its own (``qiyou serve --roles imap``) next to an MX process, on one
PostgreSQL database, one Redis and one S3 bucket, each with a data dir of its own: the IMAP
process listens only on the IMAP ports, and a mail the MX process stores reaches a client
IDLEing on the IMAP process within a second (the wake-up crosses processes over Redis; the
change log is read from the database)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import PG_URL, REDIS_URL, _psql, need_services, provisioned_copy
from tests.e2e.cluster import cluster_env
from tests.e2e.mail import mx, simple_mail, unique
from tests.e2e.server import PASSWORD, _listening
from tests.e2e.test_imap_session import Raw
from tests.e2e.test_roles import RoleNode
from tests.seaweed import Seaweed, seaweed  # noqa: F401 - the session's S3 server fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("postgres")]


@dataclass
class ImapNode(RoleNode):
    def _up(self) -> bool:
        if "imap" in self.roles.split(","):
            return _listening(self.imap_port) and _listening(self.imaps_port)
        return super()._up()


@pytest.fixture(scope="module")
def split(
    seaweed: Seaweed,  # noqa: F811 - the session's S3 server
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, ImapNode]]:
    need_services(PG_URL, REDIS_URL)
    shared = tmp_path_factory.mktemp("imap-roles")
    database = provisioned_copy("postgres", shared)
    assert database is not None
    env = cluster_env(database, blob_url=seaweed.blob_url(seaweed.new_bucket()))
    nodes = {}
    for roles in ("mx", "imap"):
        (shared / roles).mkdir()
        nodes[roles] = ImapNode(data_dir=shared / roles, env=env, roles=roles)
    try:
        for node in nodes.values():
            node.start()
        yield nodes
    finally:
        for node in nodes.values():
            node.stop()
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def test_idle_on_an_imap_process_hears_mail_stored_by_an_mx_process(split):
    imap, mx_node = split["imap"], split["mx"]
    assert not _listening(imap.smtp_port) and not _listening(mx_node.imaps_port)
    email = "bob@example.com"
    raw = Raw(imap)
    _, done = raw.command(f'LOGIN "{email}" "{PASSWORD}"')
    assert done.split()[1] == b"OK", done
    untagged, done = raw.command("SELECT INBOX")
    assert done.split()[1] == b"OK", done
    exists = next(int(x.split()[1]) for x in untagged if x.endswith(b" EXISTS\r\n"))
    raw.send(b"i IDLE\r\n")
    assert raw.line().startswith(b"+ ")
    for n in (1, 2):
        mail = simple_mail("sender@remote.test", email, unique("split idle"))
        with mx(mx_node.smtp_port) as smtp:
            smtp.sendmail("sender@remote.test", [email], mail.replace(b"\n", b"\r\n"))
        # Pushed, not polled: IDLE polls only every 60 s; the push latency is measured by
        # bench/imap_bench.py, not here.
        raw.sock.settimeout(5)
        line = raw.line()
        assert line == b"* %d EXISTS\r\n" % (exists + n), line
    raw.send(b"DONE\r\n")
    _, done = raw.until(b"i")
    assert done.split()[1] == b"OK"
    raw.close()
