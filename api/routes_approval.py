"""The one-time approve/reject links of approval notification mails.

``GET /approval/{token}`` shows what is to be decided and a confirm button (nothing changes
on GET, so link scanners and previews cannot decide); ``POST`` (with an optional ``reason``)
decides, once.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from mailcore.approval import service
from mailcore.archive.errors import PolicyError
from mailcore.core.models import HeldStatus
from mailcore.store.services import Services

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em}}
textarea{{width:100%;height:6em}}button{{padding:.5em 1.5em}}</style></head>
<body><h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        _PAGE.format(title=html.escape(title), body=body),
        status_code=status,
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        },
    )


def _services(request: Request) -> Services:
    return request.app.state.runtime


async def decide(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        target = await service.link_target(token)
    except PolicyError as exc:
        return _page("Link not valid", f"<p>{html.escape(exc.message)}</p>", 404)
    held = target.held
    if held.status != HeldStatus.PENDING:
        return _page(
            "Already decided",
            f"<p>This mail was {held.status.value} by {html.escape(held.decided_by)}.</p>",
            409,
        )
    approve = target.token.action == "approve"
    verb = "Approve" if approve else "Reject"
    if request.method == "POST":
        form = await request.form()
        reason = str(form.get("reason", ""))[: service.MAX_REASON]
        try:
            held = await service.decide_by_link(_services(request), token, reason)
        except PolicyError as exc:
            return _page("Not done", f"<p>{html.escape(exc.message)}</p>", 409)
        return _page("Done", f"<p>The mail was {held.status.value}.</p>")
    recipients = ", ".join([*held.local_addresses, *held.external])
    reason_box = (
        "" if approve else '<p><label>Reason<br><textarea name="reason"></textarea></label></p>'
    )
    body = (
        f"<p><b>{html.escape(held.subject)}</b><br>from {html.escape(held.envelope_from)}"
        f"<br>to {html.escape(recipients)}<br>rule: {html.escape(held.rule_name)}</p>"
        f'<form method="post">{reason_box}<button type="submit">{verb}</button></form>'
    )
    return _page(f"{verb} this mail?", body)


routes = [Route("/approval/{token}", decide, methods=["GET", "POST"])]
