"""The verification page of confidential mail for external recipients (U17).

``GET /confidential/{token}`` (the link of the notice mail) offers to mail a one-time code
to the recipient's own address; ``POST .../code`` sends it; ``POST .../verify`` checks it
and sets a short-lived view cookie (``HttpOnly``, ``SameSite=Strict``, this link's path
only); with it, ``GET /confidential/{token}`` shows the sanitized message and
``GET .../attachments/{index}`` downloads its attachments. Pages are not cached, cannot be
framed and hide themselves when printed.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from mailcore.confidential import external
from mailcore.confidential.errors import ConfidentialError, ConfidentialErrorCode
from mailcore.core.mime.display import display_html, parse_blob
from mailcore.core.mime.parse import get_attachment

COOKIE = "qiyou_confidential"
MAX_FORM = 4096
STATUS = {
    ConfidentialErrorCode.NOT_FOUND: 404,
    ConfidentialErrorCode.TOO_MANY_REQUESTS: 429,
    ConfidentialErrorCode.TOO_MANY_ATTEMPTS: 429,
}
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
    "color:#1f2329}h1{font-size:1.3rem}.muted{color:#646a73}.error{color:#d54941}"
    ".mail{border-top:1px solid #dcdfe6;margin-top:1rem;padding-top:1rem;overflow-wrap:anywhere}"
    "pre{white-space:pre-wrap}button{padding:.4rem 1rem}input{padding:.4rem;font-size:1.1rem}"
    "@media print{body{display:none}}"
)
esc = html.escape


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{esc(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=HEADERS)


def _error_page(exc: ConfidentialError) -> HTMLResponse:
    return _page(
        "保密邮件 Confidential message",
        f'<h1>保密邮件 Confidential message</h1><p class="error">{esc(exc.message)}</p>',
        STATUS.get(exc.code, 400),
    )


def _base(token: str) -> str:
    return f"/confidential/{quote(token, safe='')}"


def _intro(link) -> str:
    message = link.confidential.message
    sender = message.from_name or message.from_address
    return (
        "<h1>保密邮件 Confidential message</h1>"
        f"<p><b>{esc(sender)}</b> &lt;{esc(message.from_address)}&gt; — "
        f"「{esc(message.subject or '(no subject)')}」</p>"
    )


def _code_form(token: str, note: str = "", error: str = "") -> str:
    base = _base(token)
    return (
        (f'<p class="error">{esc(error)}</p>' if error else "")
        + (f'<p class="muted">{esc(note)}</p>' if note else "")
        + f'<form method="post" action="{base}/verify">'
        '<label>验证码 Code <input name="code" inputmode="numeric" autocomplete="one-time-code" '
        'maxlength="6" required autofocus></label> <button type="submit">查看 Open</button></form>'
        f'<form method="post" action="{base}/code"><p class="muted">'
        '<button type="submit">重新发送 Send a new code</button></p></form>'
    )


async def show(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        opened = await external.opened(token, request.cookies.get(COOKIE, ""))
    except ConfidentialError as exc:
        if exc.code is not ConfidentialErrorCode.CODE_EXPIRED:
            return _error_page(exc)
        return await _ask(request, token)
    return await _message_page(request, token, opened)


async def _ask(request: Request, token: str) -> Response:
    try:
        link = await external.link_of(token)
    except ConfidentialError as exc:
        return _error_page(exc)
    return _page(
        "保密邮件 Confidential message",
        _intro(link) + "<p>这是一封保密邮件。我们会向您的邮箱发送一次性验证码，验证后即可查看。</p>"
        f"<p>This message is confidential. We send a one-time code to "
        f"<b>{esc(external.masked(link))}</b>; enter it to read the message.</p>"
        f'<form method="post" action="{_base(token)}/code">'
        '<button type="submit">发送验证码 Send me a code</button></form>',
    )


async def send_code(request: Request) -> Response:
    token = request.path_params["token"]
    runtime = request.app.state.runtime
    ip = request.client.host if request.client else ""
    try:
        link, sent = await external.request_code(runtime.settings, runtime.ingestor, token, ip)
    except ConfidentialError as exc:
        if exc.code is not ConfidentialErrorCode.TOO_MANY_REQUESTS:
            return _error_page(exc)
        link = await external.link_of(token)
        return _page(
            "保密邮件 Confidential message", _intro(link) + _code_form(token, "", exc.message), 429
        )
    minutes = max(1, round((sent.expires_at - datetime.now(UTC)).total_seconds() / 60))
    note = (
        f"验证码已发送至 {sent.destination}，{minutes} 分钟内有效。"
        f" A code was sent to {sent.destination}; it is valid for {minutes} minutes."
    )
    return _page("保密邮件 Confidential message", _intro(link) + _code_form(token, note))


async def verify(request: Request) -> Response:
    token = request.path_params["token"]
    settings = request.app.state.runtime.settings
    ip = request.client.host if request.client else ""
    async with request.form(max_files=0, max_fields=4) as form:
        code = str(form.get("code") or "")[:MAX_FORM]
    try:
        _, read, view = await external.verify_code(settings, token, code, ip)
    except ConfidentialError as exc:
        if exc.code is ConfidentialErrorCode.NOT_FOUND:
            return _error_page(exc)
        link = await external.link_of(token)
        return _page(
            "保密邮件 Confidential message",
            _intro(link) + _code_form(token, "", exc.message),
            STATUS.get(exc.code, 400),
        )
    response = RedirectResponse(_base(token), status_code=303, headers=HEADERS)
    response.set_cookie(
        COOKIE,
        view,
        max_age=max(1, int((read.expires_at - datetime.now(UTC)).total_seconds())),
        path=_base(token),
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


async def _message_page(request: Request, token: str, opened: external.Opened) -> Response:
    blobs, sha256 = request.app.state.runtime.blobs, opened.message.sha256
    parsed = await parse_blob(sha256, lambda: blobs.get(sha256))
    body = (
        f'<div class="mail">{await display_html(parsed.html, parsed.text)}</div>'
        if parsed.html
        else f'<div class="mail"><pre>{esc(parsed.text)}</pre></div>'
    )
    files = "".join(
        f'<li><a href="{_base(token)}/attachments/{a.index}">{esc(a.filename)}</a> '
        f'<span class="muted">({a.size} B)</span></li>'
        for a in parsed.attachments
        if not a.inline
    )
    zone = ZoneInfo(request.app.state.runtime.settings.time_zone)
    until = opened.read.expires_at.astimezone(zone).strftime("%Y-%m-%d %H:%M (UTC%z)")
    return _page(
        parsed.subject or "保密邮件 Confidential message",
        _intro(opened.link) + f'<p class="muted">保密邮件：请勿转发或打印。可查看至 {until}。 '
        f"Confidential: do not forward or print. Open until {until}.</p>"
        + body
        + (f"<h2>附件 Attachments</h2><ul>{files}</ul>" if files else ""),
    )


async def attachment(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        opened = await external.opened(token, request.cookies.get(COOKIE, ""))
        index = int(request.path_params["index"])
    except ConfidentialError as exc:
        return _error_page(exc)
    except ValueError:
        return _page("Not found", "<p>no such attachment</p>", 404)
    found = get_attachment(await request.app.state.runtime.blobs.get(opened.message.sha256), index)
    if found is None:
        return _page("Not found", "<p>no such attachment</p>", 404)
    info, data = found
    return Response(
        data,
        media_type=info.content_type,
        headers={
            **HEADERS,
            "Content-Security-Policy": "sandbox",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(info.filename)}",
        },
    )


routes = [
    Route("/confidential/{token}", show, methods=["GET"]),
    Route("/confidential/{token}/code", send_code, methods=["POST"]),
    Route("/confidential/{token}/verify", verify, methods=["POST"]),
    Route("/confidential/{token}/attachments/{index}", attachment, methods=["GET"]),
]
