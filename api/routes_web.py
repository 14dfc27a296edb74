"""The web app (``web/dist``, built by Vite) served at ``/``, with a fallback to index.html.

Built files are served as they are, or their ``.br``/``.gz`` siblings the build wrote where
the client accepts them (hashed assets cached for a year, security headers from
``api.headers``: the page CSP on HTML, a sandbox on anything else); any other GET path
that is not an API path gets index.html so client routes such as ``/mail/INBOX`` load the
app. API prefixes (``/graphql``, ``/attachments``, ``/login`` ...) never fall back: their
own routes come first, and a miss under them stays a 404.
"""

from __future__ import annotations

import mimetypes
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


def _index(request: Request, dist: Path) -> Response:
    index = dist / "index.html"
    if not index.is_file():
        return PlainTextResponse(
            "The web app is not built: run `make web` (or `cd web && npm ci && npm run build`).",
            status_code=503,
        )
    return _file(
        request,
        index,
        {**HEADERS, "Cache-Control": "no-cache", "Content-Security-Policy": PAGE_CSP},
    )


def _encoded(request: Request, file: Path) -> tuple[Path, dict[str, str]]:
    """The precompressed sibling of ``file`` (``.br``, then ``.gz``, written by the web build)
    the client accepts, with its Content-Encoding; else ``file`` itself."""
    accepted = request.headers.get("accept-encoding", "")
    for suffix, coding in ((".br", "br"), (".gz", "gzip")):
        packed = file.with_name(file.name + suffix)
        if coding in accepted and packed.is_file():
            return packed, {"Content-Encoding": coding, "Vary": "Accept-Encoding"}
    return file, {"Vary": "Accept-Encoding"}


def _file(request: Request, file: Path, headers: dict[str, str]) -> FileResponse:
    body, coding = _encoded(request, file)
    media = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return FileResponse(body, media_type=media, headers={**headers, **coding})


def routes(dist: Path | None = None) -> list[Route]:
    """The web app's routes, serving the build in ``dist`` (default: this checkout's)."""
    folder = dist or DIST

    async def web_app(request: Request) -> Response:
        path = request.path_params.get("path", "")
        first = path.split("/", 1)[0]
        if first in API_PREFIXES:
            return JSONResponse({"error": "not found"}, status_code=404)
        if path and path != "index.html":
            candidate = (folder / path).resolve()
            if candidate.is_relative_to(folder.resolve()) and candidate.is_file():
                cache = _LONG_CACHE if path.startswith("assets/") else "public, max-age=300"
                return _file(request, candidate, {**HEADERS, "Cache-Control": cache})
            if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
                return JSONResponse({"error": "not found"}, status_code=404)
        return _index(request, folder)

    return [
        Route("/", web_app, methods=["GET", "HEAD"]),
        Route("/{path:path}", web_app, methods=["GET", "HEAD"]),
    ]
