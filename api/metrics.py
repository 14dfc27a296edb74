"""HTTP metrics: requests by route template and status (``HttpMetrics``, an ASGI middleware),
open websockets, and the open GraphQL subscriptions counted at scrape time
(docs/monitoring.md). All live in ``mailcore.core.metrics.REGISTRY``.

The route label is the template of the route that answers (``/attachments/{entry}/{index}``),
never the raw path: the web app's fallback is one label (``/{path:path}``), a path no route
takes is ``unmatched``, so the number of series stays bounded whatever clients ask for.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import live_sockets
from mailcore.core import metrics

UNMATCHED = "unmatched"

HTTP_REQUESTS = Counter(
    "qiyou_http_requests",
    "HTTP requests answered, by route template and status",
    ["route", "status"],
    registry=metrics.REGISTRY,
)
HTTP_SECONDS = Histogram(
    "qiyou_http_request_seconds",
    "Time to answer an HTTP request (to the end of its body), by route template",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=metrics.REGISTRY,
)
WEBSOCKETS = Gauge(
    "qiyou_http_websockets",
    "Websocket connections open now, by route template",
    ["route"],
    registry=metrics.REGISTRY,
)


def route_template(scope: Scope) -> str:
    """The path template of the route that takes this request (as the router chooses: the
    first full match, else the first partial one, which answers 405)."""
    app = scope.get("app")
    partial = None
    for route in getattr(app, "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return getattr(route, "path", UNMATCHED)
        if match is Match.PARTIAL and partial is None:
            partial = getattr(route, "path", UNMATCHED)
    return partial or UNMATCHED


class HttpMetrics:
    """Counts each HTTP request by route template and status, with its duration; counts the
    websockets open by route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            gauge = WEBSOCKETS.labels(route_template(scope))
            gauge.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                gauge.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            route = route_template(scope)
            HTTP_REQUESTS.labels(route, str(status)).inc()
            HTTP_SECONDS.labels(route).observe(time.perf_counter() - started)


async def graphql_subscriptions() -> list[Metric]:
    """Operations running on the signed-in GraphQL websockets of this process (subscriptions,
    and the rare query sent over a socket while it runs)."""
    sockets = [socket for group in live_sockets._open.values() for socket in group]
    gauge = GaugeMetricFamily(
        "qiyou_graphql_subscriptions", "GraphQL subscriptions open on this process's websockets"
    )
    gauge.add_metric([], sum(len(getattr(s, "operations", ())) for s in sockets))
    sockets_gauge = GaugeMetricFamily(
        "qiyou_graphql_sockets", "Signed-in GraphQL websockets open on this process"
    )
    sockets_gauge.add_metric([], len(sockets))
    return [gauge, sockets_gauge]


metrics.register_collector("graphql", graphql_subscriptions)
