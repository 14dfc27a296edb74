"""The Starlette application: lifespan (database, event bus, ingest, SMTP) and routes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute
from tortoise.contrib.starlette import RegisterTortoise

from api import openapi, routes, routes_branding
from api.graphql import QiyouGraphQL
from api.limits import BodyLimit
from mailcore import events
from mailcore.config import Settings
from mailcore.db import migrate, tortoise_config
from mailcore.openapi.webhooks import WebhookWorker
from mailcore.runtime import Runtime
from mailcore.smtp.server import start_smtp
from schema import schema

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, with_smtp: bool = True) -> Starlette:
    """Build the app; SMTP listeners start in the same loop when ``with_smtp``."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await migrate(settings)
        async with RegisterTortoise(app, config=tortoise_config(settings)):
            runtime = Runtime.create(settings)
            app.state.runtime = runtime
            await events.connect(settings.broadcast_url, settings.channel_prefix)
            servers = await start_smtp(runtime) if with_smtp else []
            webhooks = WebhookWorker(settings)
            webhooks.start()
            log.info("Qiyou ready: http %s:%s", settings.host, settings.http_port)
            try:
                yield
            finally:
                await webhooks.stop()
                for server in servers:
                    server.close()
                for server in servers:
                    await server.wait_closed()
                await events.disconnect()
                await runtime.close()

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
            Route("/health", routes.health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/attachments/{entry}/{index}", routes.attachment),
            Route("/messages/{entry}/raw", routes.raw),
            *openapi.routes(),
            *routes_branding.routes,
        ],
        middleware=[Middleware(BodyLimit, max_upload=settings.max_message_size + 1024 * 1024)],
        lifespan=lifespan,
    )
