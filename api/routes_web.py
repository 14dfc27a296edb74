"""The web app (``web/dist``, built by Vite) served at ``/``, with a fallback to index.html.

Built files are served as they are (hashed assets cached for a year, security headers from
``api.headers``: the page CSP on HTML, a sandbox on anything else); any other GET path
that is not an API path gets index.html so client routes such as ``/mail/INBOX`` load the
app. API prefixes (``/graphql``, ``/attachments``, ``/login`` ...) never fall back: their
own routes come first, and a miss under them stays a 404.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from api.headers import PAGE_CSP

DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
API_PREFIXES = (
    "graphql", "health", "attachments", "messages", "branding", "cards", "cgi-bin", "sso",
    "login", "api", "openapi", "download", "downloads", "uploads", "approval", "archive",
    "confidential",
)  # fmt: skip
_LONG_CACHE = "public, max-age=31536000, immutable"

# The app's own pages (PAGE_CSP: scripts and styles from this origin only, no plugins, no
# framing) and the other built files get their security headers from api.headers; index.html
# also under its own name, so ``/index.html`` is the same response as ``/``.
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _index(dist: Path) -> Response:
    index = dist / "index.html"
    if not index.is_file():
        return PlainTextResponse(
            "The web app is not built: run `make web` (or `cd web && npm ci && npm run build`).",
            status_code=503,
        )
    return FileResponse(
        index,
        headers={**HEADERS, "Cache-Control": "no-cache", "Content-Security-Policy": PAGE_CSP},
    )


async def web_app(request: Request) -> Response:
    dist: Path = getattr(request.app.state, "web_dist", DIST)
    path = request.path_params.get("path", "")
    first = path.split("/", 1)[0]
    if first in API_PREFIXES:
        return JSONResponse({"error": "not found"}, status_code=404)
    if path and path != "index.html":
        candidate = (dist / path).resolve()
        if candidate.is_relative_to(dist.resolve()) and candidate.is_file():
            cache = _LONG_CACHE if path.startswith("assets/") else "public, max-age=300"
            return FileResponse(candidate, headers={**HEADERS, "Cache-Control": cache})
        if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
            return JSONResponse({"error": "not found"}, status_code=404)
    return _index(dist)


routes = [
    Route("/", web_app, methods=["GET", "HEAD"]),
    Route("/{path:path}", web_app, methods=["GET", "HEAD"]),
]
