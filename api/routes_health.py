"""Health and metrics over HTTP: ``/health/live``, ``/health/ready`` and ``/metrics``
(docs/monitoring.md).

``live`` (and its alias ``/health``) says the process answers; it is public. ``ready`` runs
the readiness checks at once, each bounded by ``CHECK_TIMEOUT`` (a hung dependency is a
failed check, never a hung probe): the database (``SELECT 1``), the event bus (a message
published on the caches channel and received back), the blob store (the health blob read
back through the ``BlobStore`` interface, written once if missing) and search (the
indexer's backend answers a query; "not used" in a process without one). 200 with every
check's result and time, or 503 naming what failed. ``ready`` and ``/metrics`` answer
loopback, ``QIYOU_TRUSTED_PROXIES``, ``QIYOU_METRICS_ALLOW`` and a request bearing
``QIYOU_METRICS_TOKEN``; a wrong token is refused wherever it comes from; others get 403.

The same routes are served by the main app (role ``http``) and, when ``QIYOU_METRICS_PORT``
is set, by a small listener of their own (``start_listener``) in every process, so an MX or
worker node without HTTP can be probed too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.connection import get_connections

from api.graphql import bearer_token
from mailcore.core import metrics
from mailcore.core.blobs import blob_key
from mailcore.core.config import Settings
from mailcore.runtime import Runtime
from mailcore.search.contract import MAIL, SearchQuery

CHECK_TIMEOUT = 2.0  # seconds each readiness check may take
HEALTH_BLOB = b"Qiyou blob store health check\n"  # read back by every readiness probe
LOOPBACK = ("127.0.0.0/8", "::1/128")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class NotUsed(Exception):
    """The dependency is not used by this process (a check that passes)."""


# --- access ------------------------------------------------------------------------------


def networks(settings: Settings) -> list[Network]:
    """Who may read ``/metrics`` and ``/health/ready`` without the token: loopback, the
    trusted proxies and ``QIYOU_METRICS_ALLOW``. ValueError names a bad entry."""
    found: list[Network] = []
    for name, entries in (
        ("QIYOU_TRUSTED_PROXIES", settings.trusted_proxies),
        ("QIYOU_METRICS_ALLOW", settings.metrics_allow),
    ):
        for entry in entries:
            if name == "QIYOU_TRUSTED_PROXIES" and entry == "*":
                continue  # "believe any proxy's X-Forwarded-For" opens nothing here
            try:
                found.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"{name}: {entry!r} is not an IP address or CIDR (such as 10.0.0.0/8)"
                ) from None
    return [ipaddress.ip_network(n) for n in LOOPBACK] + found


def allowed(client: str | None, token: str, settings: Settings, allow: list[Network]) -> bool:
    """Whether a request from ``client`` (an IP) bearing ``token`` may read the protected
    routes: a bearer token must be the configured one; without one, the address decides."""
    if token:
        expected = settings.metrics_token
        return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())
    try:
        address = ipaddress.ip_address(client or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in allow)


def _refused(request: Request) -> Response | None:
    state = request.app.state
    if not hasattr(state, "metrics_networks"):
        state.metrics_networks = networks(state.runtime.settings)
    client = request.client.host if request.client else None
    if allowed(client, bearer_token(request), state.runtime.settings, state.metrics_networks):
        return None
    return JSONResponse({"error": "forbidden"}, status_code=403)


# --- readiness checks --------------------------------------------------------------------


async def check_database(runtime: Runtime) -> str:
    await get_connections().get("default").execute_query("SELECT 1")
    return "ok"


async def check_events(runtime: Runtime) -> str:
    """A message on the caches channel (no cache named: every listener ignores it) comes
    back through the broadcaster: for Redis, a PUBLISH and the pub/sub listener."""
    bus = runtime.bus
    if not bus.connected:
        raise RuntimeError("the event bus is not connected")
    origin = f"health-{uuid.uuid4().hex}"
    async with bus.subscribe_caches() as stream:
        await bus.publish_caches_changed([], origin)
        async for event in stream:
            if event.get("origin") == origin:
                return "ok"
    raise RuntimeError("the event bus closed the subscription")


async def check_blobs(runtime: Runtime) -> str:
    blobs, key = runtime.blobs, blob_key(HEALTH_BLOB)
    if not await blobs.exists(key):
        await blobs.put(HEALTH_BLOB)  # once per store (content-addressed: the same key)
    if await blobs.get(key) != HEALTH_BLOB:
        raise RuntimeError("the health blob read back differs")
    return "ok"


async def check_search(runtime: Runtime) -> str:
    indexer = runtime.indexer
    if indexer is None:
        raise NotUsed
    await indexer.backend.search(MAIL, SearchQuery(owner=0, limit=1))
    return "ok"


CHECKS: dict[str, Callable[[Runtime], Awaitable[str]]] = {
    "database": check_database,
    "events": check_events,
    "blobs": check_blobs,
    "search": check_search,
}


async def _run(check: Callable[[Runtime], Awaitable[str]], runtime: Runtime) -> dict:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            result = {"ok": True, "status": await check(runtime)}
    except NotUsed:
        result = {"ok": True, "status": "not used"}
    except TimeoutError:
        result = {"ok": False, "status": f"no answer within {CHECK_TIMEOUT:g} s"}
    except Exception as exc:  # noqa: BLE001 - any failure is the check's answer
        result = {"ok": False, "status": f"{type(exc).__name__}: {exc}"[:300]}
    result["seconds"] = round(time.perf_counter() - started, 4)
    return result


async def readiness(runtime: Runtime) -> tuple[bool, dict[str, dict]]:
    """Run every check at once: whether all passed, and each one's result and time."""
    names = list(CHECKS)
    results = await asyncio.gather(*(_run(CHECKS[name], runtime) for name in names))
    checks = dict(zip(names, results, strict=True))
    return all(r["ok"] for r in results), checks


# --- routes ------------------------------------------------------------------------------


async def live(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    refused = _refused(request)
    if refused is not None:
        return refused
    ok, checks = await readiness(request.app.state.runtime)
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if ok else "unavailable", "failed": failed, "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503)


async def scrape(request: Request) -> Response:
    refused = _refused(request)
    if refused is not None:
        return refused
    return Response(await metrics.exposition(), media_type=metrics.CONTENT_TYPE)


routes = [
    Route("/health", live, methods=["GET", "HEAD"]),  # the older name of live
    Route("/health/live", live, methods=["GET", "HEAD"]),
    Route("/health/ready", ready, methods=["GET", "HEAD"]),
    Route("/metrics", scrape, methods=["GET"]),
]


# --- the listener of its own (QIYOU_METRICS_PORT) ------------------------------------------


def health_app(runtime: Runtime) -> Starlette:
    """The health and metrics routes alone, over ``runtime``."""
    app = Starlette(routes=routes)
    app.state.runtime = runtime
    return app


async def start_listener(runtime: Runtime) -> Callable[[], Awaitable[None]]:
    """Serve ``health_app`` on ``QIYOU_METRICS_PORT`` (the settings' host) in this loop;
    returns the function that stops it (uvicorn ends the process if the port cannot be
    bound, as the main HTTP listener does)."""
    settings = runtime.settings
    assert settings.metrics_port is not None
    config = uvicorn.Config(
        health_app(runtime),
        host=settings.host,
        port=settings.metrics_port,
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(), name="qiyou-metrics-listener")
    while not server.started and not task.done():
        await asyncio.sleep(0.01)

    async def stop() -> None:
        server.should_exit = True
        await task

    return stop


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers alone (the main server or
    ``run_forever`` owns them)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
