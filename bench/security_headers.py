"""Cost of the security-headers middleware (``api.headers.SecurityHeaders``) on a request.

In-process, no network: the app's own ``/health`` route in a bare Starlette app, called
through ASGI with and without the middleware; prints microseconds per request (best of five
rounds). Run: ``.venv/bin/python bench/security_headers.py``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route

from api.headers import SecurityHeaders
from api.routes_health import live as health

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/health",
    "raw_path": b"/health",
    "root_path": "",
    "query_string": b"",
    "headers": [],
    "client": ("127.0.0.1", 1),
    "server": ("127.0.0.1", 80),
}
REQUESTS = 20_000
ROUNDS = 5


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: dict[str, Any]) -> None:
    return None


async def timed(app: Any) -> float:
    """Microseconds per request over ``REQUESTS`` requests."""
    start = time.perf_counter()
    for _ in range(REQUESTS):
        await app(dict(SCOPE), receive, send)
    return (time.perf_counter() - start) / REQUESTS * 1e6


async def main() -> None:
    bare = Starlette(routes=[Route("/health", health)])
    wrapped = SecurityHeaders(bare)
    for app in (bare, wrapped):  # warm up
        for _ in range(2_000):
            await app(dict(SCOPE), receive, send)
    without = with_headers = float("inf")
    for _ in range(ROUNDS):  # rounds alternate, so a busy moment hits both alike
        without = min(without, await timed(bare))
        with_headers = min(with_headers, await timed(wrapped))
    print(f"/health without the middleware: {without:.1f} us/request (best of {ROUNDS})")
    print(f"/health with SecurityHeaders:   {with_headers:.1f} us/request (best of {ROUNDS})")
    print(f"cost: {with_headers - without:.1f} us/request")


if __name__ == "__main__":
    asyncio.run(main())
