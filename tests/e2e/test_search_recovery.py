"""A crash never leaves the search index missing mail: mail stored while the indexer was not
running (paused by a setting, then kill -9) is found after a restart; ``qiyou search
reindex`` rebuilds the index beside a running server."""

from __future__ import annotations

import signal

import pytest

from tests.conftest import BACKENDS, private_server
from tests.e2e.client import login
from tests.e2e.delivery_env import until
from tests.e2e.mail import find, mx, simple_mail, unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_search import search, until_found


@pytest.mark.parametrize("backend", BACKENDS)
async def test_mail_stored_before_a_crash_is_indexed_after_restart(backend, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp(f"search-crash-{backend}")
    with private_server(backend, data_dir, env={"QIYOU_SEARCH_PAUSED": "1"}) as srv:
        tag = unique("crash").split()[1]
        subjects = [f"会议纪要 {tag} {n}" for n in range(3)]
        with mx(srv.smtp_port) as smtp:
            for subject in subjects:
                raw = simple_mail("x@remote.test", "bob@example.com", subject, "minutes")
                smtp.sendmail("x@remote.test", ["bob@example.com"], raw)
        bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
        assert await find(bob, subjects[-1]) is not None  # stored and acknowledged ...
        assert (await search(bob, tag))["edges"] == []  # ... but not indexed yet
        status = srv.cli("search", "status").stdout
        assert "mail_jobs_waiting: 0" not in status  # the outbox holds the index jobs

        srv.process.send_signal(signal.SIGKILL)
        srv.process.wait()
        del srv.env["QIYOU_SEARCH_PAUSED"]
        srv.start()

        bob = await login(srv.graphql_url, "bob@example.com", PASSWORD)
        found = await until_found(bob, f"{tag} 会议", 3, wait=60)
        assert sorted(e["node"]["subject"] for e in found["edges"]) == subjects
        await until(
            lambda: "mail_jobs_waiting: 0" in srv.cli("search", "status").stdout,
            what="the index jobs done and deleted",
        )

        rebuilt = srv.cli("search", "reindex")  # while the server runs
        assert "documents indexed" in rebuilt.stdout
        again = await until_found(bob, f"{tag} 纪要", 3, wait=30)
        assert len(again["edges"]) == 3
        alice = await login(srv.graphql_url, "alice@example.com", PASSWORD)
        assert (await search(alice, tag))["edges"] == []
