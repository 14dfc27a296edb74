"""Shared fixtures: a real Qiyou server per backend (SQLite + memory, PostgreSQL + Redis).

The PostgreSQL/Redis run needs those services; without them it is skipped with a reason,
unless QIYOU_REQUIRE_SERVICES=1 (CI), where it fails instead.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.e2e.server import Server, provision

# Fixtures every test module may ask for by name: the relay sink of several-node tests.
pytest_plugins = ["tests.e2e.cluster"]

PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("QIYOU_REQUIRE_SERVICES") == "1"


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=2):
            return True
    except OSError:
        return False


def need_services(*urls: str) -> None:
    missing = [u for u in urls if not reachable(u)]
    if missing:
        message = f"not reachable: {', '.join(missing)}"
        if REQUIRE_SERVICES:
            pytest.fail(f"QIYOU_REQUIRE_SERVICES=1 but {message}")
        pytest.skip(message)


def _psql(sql: str) -> None:
    import subprocess

    parsed = urlparse(PG_URL)
    subprocess.run(
        [
            "psql",
            "-h",
            parsed.hostname,
            "-p",
            str(parsed.port),
            "-U",
            parsed.username or "postgres",
            "-d",
            parsed.path.lstrip("/") or "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
    )


def _pg_url(database: str) -> str:
    return urlparse(PG_URL)._replace(path=f"/{database}").geturl()


# Provisioned templates. Migrating an empty database takes tortoise ~5 s and provisioning
# (argon2 for every member) ~2 s; each server of a test process starts from a copy of one
# database, migrated and provisioned once per backend: a SQLite file copied into the data
# dir, a PostgreSQL database created with ``TEMPLATE``. The server's own start-up still runs
# its migration check (then a no-op) as in production.
_templates: dict[str, str] = {}


def _template(backend: str) -> str:
    """The provisioned template of ``backend``: a SQLite file path or a PostgreSQL name."""
    if backend not in _templates:
        import tempfile

        data_dir = Path(tempfile.mkdtemp(prefix=f"qiyou-template-{backend}-"))
        env: dict[str, str] = {}
        if backend == "postgres":
            name = f"qiyou_tpl_{uuid.uuid4().hex[:10]}"
            _psql(f"CREATE DATABASE {name}")
            _templates[backend] = name  # dropped at the end of the session even if this fails
            env["DATABASE_URL"] = _pg_url(name)
        provision(Server(data_dir=data_dir, env=env))
        if backend == "sqlite":
            _templates[backend] = str(data_dir / "qiyou.sqlite3")
        else:  # the database holds everything
            shutil.rmtree(data_dir, ignore_errors=True)
    return _templates[backend]


def provisioned_copy(backend: str, data_dir: Path) -> str | None:
    """Give a new server the provisioned database: the PostgreSQL name it should use, or
    None for SQLite (the file is now in ``data_dir``)."""
    template = _template(backend)
    if backend == "postgres":
        name = f"qiyou_test_{uuid.uuid4().hex[:10]}"
        _psql(f"CREATE DATABASE {name} TEMPLATE {template}")
        return name
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, data_dir / "qiyou.sqlite3")
    return None


def pytest_sessionfinish(session: pytest.Session) -> None:
    name = _templates.pop("postgres", None)
    if name:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    path = _templates.pop("sqlite", None)
    if path:
        shutil.rmtree(Path(path).parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A provisioned PostgreSQL database for one test session; dropped afterwards."""
    need_services(PG_URL)
    name = provisioned_copy("postgres", Path())
    assert name is not None
    yield _pg_url(name)
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# Each backend is an xdist group: with ``pytest -n 2 --dist loadgroup`` one worker runs every
# SQLite test and the other every PostgreSQL test, each starting only its own servers (see
# ``pytest_xdist_make_scheduler`` below for how the groups are found).
BACKENDS = [
    pytest.param("sqlite", id="sqlite-memory", marks=[pytest.mark.xdist_group("sqlite")]),
    pytest.param(
        "postgres",
        id="postgres-redis",
        marks=[pytest.mark.postgres, pytest.mark.redis, pytest.mark.xdist_group("postgres")],
    ),
]


_BACKEND_ID = re.compile(r"[\[-](sqlite-memory|postgres-redis)[\]-]")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` with the backend as the group of every test parametrized over
    ``BACKENDS``. xdist marks a group by appending ``@group`` to the worker's node id, which
    pytest 9 no longer lets it change (the node ids stay plain and every test went to any
    worker: both workers built both templates and started both backends' servers). The
    controller sees only node ids, so the group is read from the backend's parameter id."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class BackendGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            backend = _BACKEND_ID.search(nodeid.rpartition("::")[2])
            if backend:
                return backend.group(1)
            # Others by module, so a module's fixtures (servers, SeaweedFS) start once.
            return nodeid.partition("::")[0]

    return BackendGroups(config, log)


def start_server(request: pytest.FixtureRequest, backend: str, data_dir: Path) -> Server:
    """Provision and start a server on ``backend`` (``sqlite`` or ``postgres``)."""
    # Tests change DNS answers between cases: no answer cache (tests/mailcore/dns tests it).
    # Mail-client sessions check their login before every command (revocations show at once).
    env: dict[str, str] = {
        "QIYOU_MAX_MESSAGE_SIZE": "12M",
        "QIYOU_DNS_CACHE_SECONDS": "0",
        "QIYOU_CLIENT_LOGIN_CHECK": "0",
    }
    if backend == "postgres":
        need_services(PG_URL, REDIS_URL)
        env["DATABASE_URL"] = request.getfixturevalue("pg_database")
        env["BROADCAST_URL"] = REDIS_URL
        env["QIYOU_CHANNEL_PREFIX"] = f"qiyou-{uuid.uuid4().hex[:8]}"  # runs share the Redis
    else:
        provisioned_copy(backend, data_dir)
    srv = Server(data_dir=data_dir, env=env)
    srv.start()
    return srv


@pytest.fixture(scope="session", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A provisioned, running ``qiyou serve`` (see tests/e2e/server.py for its members)."""
    srv = start_server(request, request.param, tmp_path_factory.mktemp(f"qiyou-{request.param}"))
    yield srv
    srv.stop()


@contextmanager
def private_server(
    backend: str,
    data_dir: Path,
    env: dict[str, str] | None = None,
    before_start: Callable[[Server], object] | None = None,
) -> Iterator[Server]:
    """A provisioned server of its own (extra ``env``; on ``postgres`` its own database and
    Redis), for tests that need special settings or may kill it; ``before_start`` runs
    after provisioning."""
    env = {"QIYOU_DNS_CACHE_SECONDS": "0", **(env or {})}
    if backend == "postgres":
        need_services(PG_URL, REDIS_URL)
    database = provisioned_copy(backend, data_dir)
    if database:
        env["DATABASE_URL"] = _pg_url(database)
        env["BROADCAST_URL"] = REDIS_URL
        env["QIYOU_CHANNEL_PREFIX"] = f"qiyou-{uuid.uuid4().hex[:8]}"  # runs share the Redis
    srv = Server(data_dir=data_dir, env=env)
    try:
        if before_start is not None:
            before_start(srv)
        srv.start()
        yield srv
    finally:
        srv.stop()
        if database:
            _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def own_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A server for one test only (it may be killed and restarted); its own database."""
    with private_server(request.param, tmp_path_factory.mktemp(f"own-{request.param}")) as srv:
        yield srv
