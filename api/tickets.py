"""Who is downloading: the session of an ``Authorization: Bearer`` header, or a signed
``?ticket=`` for this exact path (``mailcore/security/tickets.py``). A session token in the
query string is refused: URLs end up in access logs, proxies and browser history."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.graphql import bearer_token
from mailcore.org.sessions import Identity, identify
from mailcore.security.tickets import TicketError

TOKEN_IN_URL = (
    "session tokens are not accepted in URLs: send Authorization: Bearer, or follow the"
    " signed link (?ticket=) the API returns"
)


class DownloadRefused(Exception):
    """Answered 401 with its message and code (``refused`` is the app's handler)."""

    def __init__(self, message: str, code: str = "UNAUTHENTICATED") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


async def downloader(request: Request) -> Identity:
    """The identity allowed to download ``request.url.path``, else ``DownloadRefused``."""
    if "token" in request.query_params:
        raise DownloadRefused(TOKEN_IN_URL, "TOKEN_IN_URL")
    token = bearer_token(request)
    if token:
        identity = await identify(token)
        if identity is None:
            raise DownloadRefused("sign in first")
        return identity
    ticket = request.query_params.get("ticket")
    if ticket is None:
        raise DownloadRefused("sign in first")
    try:
        return await request.app.state.runtime.tickets.identity(request.url.path, ticket)
    except TicketError as exc:
        raise DownloadRefused(exc.message, f"TICKET_{exc.code.value}") from exc


async def refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DownloadRefused)
    return JSONResponse({"error": exc.message, "code": exc.code}, status_code=401)
