"""The Starlette application: lifespan (database, then the runtime of ``mailcore/runtime.py``
with this process's roles) and routes."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute
from tortoise.contrib.starlette import RegisterTortoise

from api import (
    openapi,
    routes,
    routes_approval,
    routes_archive,
    routes_branding,
    routes_calendar,
    routes_clients,
    routes_confidential,
    routes_dav,
    routes_health,
    routes_netdisk,
    routes_web,
)
from api.graphql import QiyouGraphQL
from api.headers import SecurityHeaders
from api.limits import BodyLimit
from api.live_sockets import RevocationListener
from api.logs import RequestId
from api.metrics import HttpMetrics
from api.tickets import DownloadRefused, refused
from mailcore.core.config import Settings
from mailcore.core.db import close_readers, migrate, tortoise_config
from mailcore.runtime import LISTENER_ROLES, ROLES, Runtime
from schema import schema

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    with_smtp: bool = True,
    roles: Iterable[str] = ROLES,
    run_migrations: bool = True,
) -> Starlette:
    """Build the app over a runtime with ``roles`` (without the SMTP ones unless
    ``with_smtp``); ``run_migrations`` false (``qiyou serve --no-migrate``) starts on the
    schema as it is, for a rolling upgrade where one process migrated already."""
    wanted = set(roles) if with_smtp else set(roles) - LISTENER_ROLES

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if run_migrations:
            await migrate(settings)
        async with RegisterTortoise(app, config=tortoise_config(settings)):
            runtime = Runtime.create(settings, wanted)
            app.state.runtime = runtime
            await runtime.start()
            revocations = RevocationListener(runtime.bus)  # closes the sockets of revoked sessions
            await revocations.start()
            if settings.metrics_port:  # /health/* and /metrics on a port of their own too
                stop_metrics = await routes_health.start_listener(runtime)
            # What start-up built (modules, schema, models) lives as long as the process: keep
            # it out of every later full garbage collection, which otherwise scans it each
            # time (~90 ms on the event loop).
            gc.collect()
            gc.freeze()
            log.info("Qiyou ready: http %s:%s", settings.host, settings.http_port)
            try:
                yield
            finally:
                if settings.metrics_port:
                    await stop_metrics()
                await revocations.stop()
                await runtime.close()
                close_readers()

    graphql = QiyouGraphQL(
        schema,
        graphql_ide=None if settings.production else "graphiql",
        multipart_uploads_enabled=True,
        keep_alive=True,
        keep_alive_interval=15,
        allowed_origins=settings.allowed_origins,
    )
    return Starlette(
        routes=[
            *routes_health.routes,  # /health, /health/live, /health/ready, /metrics
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/attachments/{entry}/{index}", routes.attachment),
            Route("/messages/{entry}/raw", routes.raw),
            *openapi.routes(),
            *routes_branding.routes,
            *routes_confidential.routes,
            *routes_archive.routes,
            *routes_approval.routes,
            *routes_clients.routes,  # autoconfig, autodiscover, .mobileconfig
            *routes_dav.routes,  # CalDAV: /.well-known/caldav, /dav/
            *routes_netdisk.routes,  # tus uploads at /uploads/, netdisk downloads
            *routes_calendar.routes,  # event attachments: /calendar/attachments/
            # the web app and its fallback: keep it last
            *routes_web.routes(Path(settings.web_dist) if settings.web_dist else None),
        ],
        middleware=[
            Middleware(RequestId),  # X-Request-ID in, out and on every log line (api/logs.py)
            Middleware(HttpMetrics),  # requests by route template and status, their time
            Middleware(SecurityHeaders),  # CSP, nosniff, Referrer-Policy where a route set none
            Middleware(BodyLimit, max_upload=settings.max_message_size + 1024 * 1024),
        ],
        exception_handlers={DownloadRefused: refused},  # downloads without a good session
        lifespan=lifespan,
    )
