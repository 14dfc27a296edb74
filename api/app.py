"""The Starlette application: lifespan (database, event bus, ingest, SMTP) and routes."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

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
    routes_confidential,
    routes_web,
)
from api.graphql import QiyouGraphQL
from api.headers import SecurityHeaders
from api.limits import BodyLimit
from api.live_sockets import RevocationListener
from mailcore import search
from mailcore.approval.service import Services as PolicyServices
from mailcore.approval.worker import PolicyJobs
from mailcore.confidential import sending as confidential_sending
from mailcore.core import events
from mailcore.core.config import Settings
from mailcore.core.db import close_readers, migrate, tortoise_config
from mailcore.delivery.worker import OutboundWorker
from mailcore.openapi.webhooks import WebhookWorker
from mailcore.policy.massmail import MassMailWorker
from mailcore.protocols.smtp.server import start_smtp
from mailcore.rules.sender import RuleSender
from mailcore.runtime import Runtime
from mailcore.wechat import subscribe as wechat_subscribe
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
            confidential_sending.configure(settings, runtime.blobs)  # U17 notice links
            await events.connect(settings.broadcast_url, settings.channel_prefix)
            revocations = RevocationListener()  # closes the sockets of revoked sessions
            await revocations.start()
            servers = await start_smtp(runtime) if with_smtp else []
            webhooks = WebhookWorker(settings)
            webhooks.start()
            outbound = OutboundWorker(runtime)  # remote delivery of the outbound queue
            outbound.start()
            policy_jobs = PolicyJobs(PolicyServices(runtime.ingestor, runtime.blobs, settings))
            policy_jobs.start()  # approval notices and timeouts, archive retention (A1, A3)
            await search.start(  # the search indexer: catches up, then follows mailbox changes
                settings.search_url, settings.data_dir, runtime.blobs, paused=settings.search_paused
            )
            mass_mail = MassMailWorker(runtime.ingestor, runtime.blobs)  # mass mail (U12)
            await mass_mail.start()
            rule_sender = RuleSender(runtime)  # forwards and auto-replies of mail rules
            rule_sender.start()
            wechat_subscribe.configure(settings)  # new-mail subscribe messages
            # What start-up built (modules, schema, models) lives as long as the process: keep
            # it out of every later full garbage collection, which otherwise scans it each
            # time (~90 ms on the event loop).
            gc.collect()
            gc.freeze()
            log.info("Qiyou ready: http %s:%s", settings.host, settings.http_port)
            try:
                yield
            finally:
                await webhooks.stop()
                await outbound.stop()
                await policy_jobs.stop()
                await search.stop()
                await mass_mail.stop()
                await rule_sender.stop()
                for server in servers:
                    server.close()
                for server in servers:
                    await server.wait_closed()
                await revocations.stop()
                await events.disconnect()
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
            Route("/health", routes.health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/attachments/{entry}/{index}", routes.attachment),
            Route("/messages/{entry}/raw", routes.raw),
            *openapi.routes(),
            *routes_branding.routes,
            *routes_confidential.routes,
            *routes_archive.routes,
            *routes_approval.routes,
            *routes_web.routes,  # the web app and its fallback: keep it last
        ],
        middleware=[
            Middleware(SecurityHeaders),  # CSP, nosniff, Referrer-Policy where a route set none
            Middleware(BodyLimit, max_upload=settings.max_message_size + 1024 * 1024),
        ],
        lifespan=lifespan,
    )
