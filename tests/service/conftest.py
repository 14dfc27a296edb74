"""In-process service tests: the Qiyou app in the test's own event loop, over a copy of the
provisioned template database (SQLite file or PostgreSQL ``TEMPLATE``).

``service`` has the members of tests/e2e/server.py's ``Server`` that the tests use (``url``,
``graphql_url``, ``smtp_port``, ``submission_port``, ``sql``, ``cli``), so the e2e helpers
work unchanged: GraphQL and HTTP go through httpx's ASGI transport (tests/e2e/client.py
``IN_PROCESS``), SMTP to aiosmtpd listening in the same loop (use an asyncio client such as
aiosmtplib, never a blocking one). ``mailcore(code)`` runs test setup in process. What
crosses a process or protocol boundary stays in tests/e2e.
"""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from tests.conftest import (
    BACKENDS,
    PG_URL,
    REDIS_URL,
    _pg_url,
    _psql,
    need_services,
    provisioned_copy,
)
from tests.e2e.client import IN_PROCESS
from tests.e2e.server import Server


@dataclass
class Service(Server):
    """A provisioned Qiyou app running in this process (see the module docstring)."""

    runtime: Any = None

    async def mailcore(self, code: str, **args: Any) -> Any:  # type: ignore[override]
        """Run ``code`` (an async function body over ``args``) with mailcore's models in
        scope, in this process and loop: test setup that the API does not offer."""
        source = "async def work(args):\n" + textwrap.indent(textwrap.dedent(code), "    ")
        scope: dict[str, Any] = {}
        exec("from mailcore.core.models import *", scope)  # noqa: S102 - test code only
        exec(source, scope)  # noqa: S102
        return await scope["work"](args)


@pytest.fixture(scope="session", params=BACKENDS)
async def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Service]:
    from api.app import create_app
    from mailcore.core.config import Settings

    backend = request.param
    data_dir = tmp_path_factory.mktemp(f"service-{backend}")
    env = {"QIYOU_MAX_MESSAGE_SIZE": "12M", "QIYOU_DNS_CACHE_SECONDS": "0"}
    if backend == "postgres":
        need_services(PG_URL, REDIS_URL)
    database = provisioned_copy(backend, data_dir)
    if database:
        env["DATABASE_URL"] = _pg_url(database)
        env["BROADCAST_URL"] = REDIS_URL
        env["QIYOU_CHANNEL_PREFIX"] = f"qiyou-{uuid.uuid4().hex[:8]}"  # runs share the Redis
    service = Service(data_dir=data_dir, env=env)
    app = create_app(Settings.from_env(service.full_env()), with_smtp=True)
    try:
        async with app.router.lifespan_context(app):
            service.runtime = app.state.runtime
            IN_PROCESS[service.url] = httpx.ASGITransport(app=app)
            try:
                yield service
            finally:
                IN_PROCESS.pop(service.url, None)
    finally:
        # tortoise keeps each model's built SQL by connection name for the process: the next
        # backend's app here (without xdist) must not reuse this one's dialect.
        EXECUTOR_CACHE.clear()
        if database:
            _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
