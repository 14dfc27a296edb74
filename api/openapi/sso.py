"""Single sign-on: ``/cgi-bin/service/get_login_url`` (sso apps) and the ``/sso`` landing.

The landing consumes the one-time ticket and opens a member session: JSON
``{"token", "email"}`` for ``Accept: application/json``, else a small page that stores
the token where the web app reads it (``localStorage["qiyou.token"]``) and opens it.
"""

from __future__ import annotations

import html
import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from api.openapi.errcodes import ApiError, Errcode
from api.openapi.framework import Call, client_ip, endpoint
from api.openapi.lookup import member_of
from mailcore.core.models import AppKind
from mailcore.openapi.errors import OpenApiError
from mailcore.openapi.sso import TICKET_SECONDS, create_ticket, redeem_ticket

TOKEN_KEY = "qiyou.token"


def base_url(request: Request) -> str:
    configured = request.app.state.runtime.settings.public_url
    return configured or str(request.base_url).rstrip("/")


@endpoint(AppKind.SSO)
async def get_login_url(call: Call) -> dict[str, Any]:
    member = await member_of(call, call.params.text("userid", required=True))
    if not member.enabled:
        raise ApiError(Errcode.USERID_NOT_FOUND, f"userid is disabled: {member.email}")
    ticket = await create_ticket(call.scope, member)
    return {
        "login_url": f"{base_url(call.request)}/sso?ticket={ticket}",
        "expires_in": TICKET_SECONDS,
    }


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def landing(request: Request) -> Response:
    settings = request.app.state.runtime.settings
    try:
        token, member = await redeem_ticket(
            request.query_params.get("ticket", ""),
            days=settings.session_days,
            user_agent=request.headers.get("user-agent", ""),
            ip=client_ip(request),
        )
    except OpenApiError as exc:
        if _wants_json(request):
            return JSONResponse({"error": exc.message}, status_code=400)
        return HTMLResponse(_page("Sign-in link not valid", exc.message, ""), status_code=400)
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if _wants_json(request):
        return JSONResponse({"token": token, "email": member.email}, headers=headers)
    script = (
        f"localStorage.setItem({json.dumps(TOKEN_KEY)}, {json.dumps(token)});location.replace('/');"
    )
    nonce = secrets.token_urlsafe(16)
    headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; base-uri 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(_page("Signing in…", member.email, script, nonce), headers=headers)


def _page(title: str, text: str, script: str, nonce: str = "") -> str:
    body = f'<script nonce="{nonce}">{script}</script>' if script else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body><p>{html.escape(title)} {html.escape(text)}</p>{body}</body></html>"
    )
