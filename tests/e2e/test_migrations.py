"""Migrations taken by several processes at once: each waits its turn (mailcore.core.db)."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from tests.conftest import PG_URL, _pg_url, _psql, need_services
from tests.e2e.server import QIYOU, ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]


def test_processes_started_together_on_an_empty_database_all_migrate(tmp_path):
    """Before the lock, the second of two processes failed 3 times out of 3 on
    ``duplicate key value violates unique constraint "pg_type_typname_nsp_index"``."""
    need_services(PG_URL)
    name = f"qiyou_migrate_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    try:
        runs = []
        for n in range(3):
            env = {"DATABASE_URL": _pg_url(name), "QIYOU_DATA_DIR": str(tmp_path / f"node{n}")}
            runs.append(
                subprocess.Popen(
                    [*QIYOU, "migrate"],
                    env={**os.environ, **env},
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        outputs = [run.communicate(timeout=120)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0], outputs
        tables = subprocess.run(
            ["psql", _pg_url(name).replace("postgres://", "postgresql://", 1), "-tAc",
             "SELECT count(*) FROM information_schema.tables WHERE table_name = 'member'"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert tables.stdout.strip() == "1"
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
