"""Security headers on every HTTP response: a pure ASGI middleware that adds what a route
did not set itself (a route's own, stricter value is kept).

* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` everywhere;
* ``Content-Security-Policy``: HTML gets the web app's policy (``PAGE_CSP``: this origin
  only, never framed), anything else the download policy (``DOWNLOAD_CSP``: sandboxed,
  nothing loads, never framed), so a file opened in the browser cannot run script or be
  framed; a route's own policy without ``frame-ancestors`` gets ``frame-ancestors 'none'``;
* GraphiQL (the IDE on ``GET /graphql``, development only) loads its scripts and styles
  from a CDN: its HTML gets ``frame-ancestors 'none'`` alone.

It only reads and extends the header list of ``http.response.start`` (a few microseconds a
response); bodies and websockets pass through untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Mail bodies are shown in sandboxed srcdoc iframes, which inherit this policy and add their
# own stricter one (no remote images until the reader allows them): so img-src admits http(s).
# frame-src blob: is for PDF attachments previewed in the browser's PDF viewer (a blob the app
# makes itself with type application/pdf: the download route's sandbox would block the viewer).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: http: https:; connect-src 'self' ws: wss:; "
    "frame-src 'self' about: blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
IDE_CSP = "frame-ancestors 'none'"
IDE_PATH = "/graphql"

_CSP = b"content-security-policy"
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_REFERRER = (b"referrer-policy", b"no-referrer")
_NO_FRAMING = b"; frame-ancestors 'none'"


def with_defaults(headers: list[tuple[bytes, bytes]], *, ide: bool = False) -> None:
    """Add the missing security headers to ``headers`` (ASGI: lower-case names) in place."""
    csp = content_type = -1
    nosniff = referrer = False
    for at, (name, _) in enumerate(headers):
        name = name.lower()
        if name == b"content-type":
            content_type = at
        elif name == _CSP:
            csp = at
        elif name == _NOSNIFF[0]:
            nosniff = True
        elif name == _REFERRER[0]:
            referrer = True
    if not nosniff:
        headers.append(_NOSNIFF)
    if not referrer:
        headers.append(_REFERRER)
    if csp >= 0:
        name, value = headers[csp]
        if b"frame-ancestors" not in value.lower():
            headers[csp] = (name, value.rstrip(b"; ") + _NO_FRAMING)
        return
    html = content_type >= 0 and headers[content_type][1].lower().startswith(b"text/html")
    policy = (IDE_CSP if ide else PAGE_CSP) if html else DOWNLOAD_CSP
    headers.append((_CSP, policy.encode()))


class SecurityHeaders:
    """The middleware: ``Middleware(SecurityHeaders)``, outermost."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ide = scope["path"] == IDE_PATH

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                with_defaults(headers, ide=ide)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
