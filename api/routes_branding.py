"""Branding routes: the branded login page, public branding JSON and images, business cards."""

from __future__ import annotations

import html
import re
import secrets
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from api.tickets import downloader
from mailcore.branding.card import card_for
from mailcore.branding.images import ImageKind
from mailcore.branding.login import (
    DEFAULT_BACKGROUND,
    DEFAULT_PRIMARY,
    BrandingView,
    public_branding,
    read_image,
)

_SAFE_URL = re.compile(r"^/branding/[a-z0-9.-]+/(logo|background)\?v=[0-9a-f]{64}$")
_COLOR = re.compile(r"^#[0-9a-f]{6}$")
_LONG_CACHE = "public, max-age=31536000, immutable"


def _host_domain(request: Request) -> str:
    """``?domain=`` or the Host header without its port."""
    domain = request.query_params.get("domain")
    if domain:
        return domain
    host = request.headers.get("host", "")
    if host.startswith("["):
        return ""  # an IPv6 literal is no domain
    return host.rsplit(":", 1)[0]


def _url(value: str) -> str:
    return value if _SAFE_URL.match(value) else ""


# Posts the form to GraphQL; the token is kept for the web app (which comes later).
LOGIN_SCRIPT = """
const form = document.getElementById("login"), message = document.getElementById("message");
const LOGIN = "mutation($e:String!,$p:String!){login(email:$e,password:$p){__typename " +
  "... on LoginSuccess{token} ... on AuthError{message}}}";
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  message.textContent = "";
  try {
    const response = await fetch("/graphql", {method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({query: LOGIN,
        variables: {e: form.email.value, p: form.password.value}})});
    const result = ((await response.json()).data || {}).login;
    if (result && result.__typename === "LoginSuccess") {
      localStorage.setItem("qiyou.token", result.token);
      message.textContent = "Signed in.";
    } else if (result && result.__typename === "SecondFactorRequired") {
      message.textContent = "This account needs a second step: sign in with the Qiyou app.";
    } else {
      message.textContent = (result && result.message) || "Sign-in failed.";
    }
  } catch (error) {
    message.textContent = "The server cannot be reached.";
  }
});
"""

STYLE = """
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
font-family:system-ui,sans-serif;background-color:BACKGROUND_COLOR;BACKGROUND_IMAGE}
main{background:#fff;padding:2rem;border-radius:8px;width:20rem;box-shadow:0 2px 12px #0002}
.logo{max-width:100%;max-height:4rem} .text{white-space:pre-line;color:#555}
input,button{display:block;width:100%;box-sizing:border-box;margin:.5rem 0;padding:.6rem}
button{background:PRIMARY_COLOR;color:#fff;border:0;border-radius:4px;cursor:pointer}
#message{min-height:1.2em;color:#c00}
"""


def _color(value: str, default: str) -> str:
    return value if _COLOR.match(value) else default


def login_html(view: BrandingView, nonce: str) -> str:
    """The login page; every branded value is escaped or checked against a strict pattern."""
    e = html.escape
    logo = _url(view.logo_url)
    background = _url(view.background_url)
    style = (
        STYLE.replace("BACKGROUND_COLOR", _color(view.background_color, DEFAULT_BACKGROUND))
        .replace("PRIMARY_COLOR", _color(view.primary_color, DEFAULT_PRIMARY))
        .replace(
            "BACKGROUND_IMAGE",
            f"background-image:url('{background}');background-size:cover;" if background else "",
        )
    )
    logo_tag = f'<img class="logo" src="{e(logo)}" alt="{e(view.title)}">' if logo else ""
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(view.title)}</title>
<style nonce="{nonce}">{style}</style>
</head>
<body>
<main>
{logo_tag}
<h1>{e(view.title)}</h1>
<p class="text">{e(view.text)}</p>
<form id="login" method="post" action="#">
<input name="email" type="email" autocomplete="username" placeholder="Email" required>
<input name="password" type="password" autocomplete="current-password" placeholder="Password"
 required>
<button type="submit">Sign in</button>
<p id="message" role="alert"></p>
</form>
</main>
<script nonce="{nonce}">{LOGIN_SCRIPT}</script>
</body>
</html>
"""


async def login_page(request: Request) -> Response:
    view = await public_branding(_host_domain(request))
    nonce = secrets.token_urlsafe(16)
    csp = (
        f"default-src 'none'; img-src 'self'; style-src 'nonce-{nonce}'; "
        f"script-src 'nonce-{nonce}'; connect-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(
        login_html(view, nonce),
        headers={
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        },
    )


async def branding_json(request: Request) -> Response:
    view = await public_branding(request.path_params["domain"])
    return JSONResponse(
        view.as_json(),
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"},
    )


async def _image(request: Request, kind: ImageKind) -> Response:
    try:
        data, content_type, key = await read_image(
            request.app.state.runtime.blobs, request.path_params["domain"], kind
        )
    except LookupError:
        return JSONResponse({"error": "no such image"}, status_code=404)
    cache = _LONG_CACHE if request.query_params.get("v") == key else "public, max-age=300"
    return Response(
        data,
        media_type=content_type,
        headers={
            "Cache-Control": cache,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


async def logo(request: Request) -> Response:
    return await _image(request, ImageKind.LOGO)


async def background(request: Request) -> Response:
    return await _image(request, ImageKind.BACKGROUND)


async def business_card(request: Request) -> Response:
    """A member's vCard, for signed-in members of the same enterprise."""
    identity = await downloader(request)
    email = request.path_params["email"]
    text = await card_for(identity.member, email)
    if text is None:
        return JSONResponse({"error": "no such card"}, status_code=404)
    return Response(
        text.encode("utf-8"),
        media_type="text/vcard; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(email)}.vcf",
            "Cache-Control": "private, no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


routes = [
    Route("/login", login_page),
    Route("/branding/{domain}.json", branding_json),
    Route("/branding/{domain}/logo", logo),
    Route("/branding/{domain}/background", background),
    Route("/cards/{email}.vcf", business_card),
]
