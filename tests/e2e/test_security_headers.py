"""Security headers on every HTML page and download: a CSP that forbids framing (a sandbox
on downloads), ``nosniff`` and a ``Referrer-Policy``.

Every route of the app is walked (the list comes from the app itself, so a new route is
covered without an entry here) against a real server; the web app's built files, which a
test server has not got, are served in-process from a small ``dist`` of their own.
"""

from __future__ import annotations

import gzip
import re
from email.message import EmailMessage

import httpx
from starlette.routing import Route

from api.app import create_app
from api.headers import DOWNLOAD_CSP, PAGE_CSP
from mailcore.core.config import Settings
from tests.e2e.client import login
from tests.e2e.mail import find, mx, unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_openapi import app_api

NO_FRAMING = "frame-ancestors 'none'"


def assert_secured(response: httpx.Response) -> None:
    """The headers every response must carry, whatever it is."""
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy"), where
    csp = headers.get("content-security-policy", "")
    assert NO_FRAMING in csp, f"{where}: framable, CSP {csp!r}"
    if headers.get("content-type", "").startswith("text/html"):
        assert "script-src" in csp or "default-src" in csp, f"{where}: page CSP {csp!r}"
    else:
        assert "sandbox" in csp or "default-src 'none'" in csp, f"{where}: download CSP {csp!r}"


def app_routes(tmp_path) -> list[Route]:
    app = create_app(Settings.from_env({"QIYOU_DATA_DIR": str(tmp_path)}), with_smtp=False)
    return [route for route in app.routes if isinstance(route, Route)]


async def mail_with_attachment(server, client) -> str:
    """The id of a mail in alice's inbox with one attachment (an HTML file)."""
    subject = unique("headers")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "x@outside.test", "alice@example.com", subject
    msg.set_content("see the file")
    msg.add_attachment(
        b"<script>alert(1)</script>", maintype="text", subtype="html", filename="page.html"
    )
    with mx(server.smtp_port) as smtp:
        smtp.send_message(msg)
    found = await find(client, subject, wait=10)
    assert found is not None, "the mail did not arrive"
    return found["id"]


async def test_every_route_answers_with_security_headers(server, tmp_path):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    entry = await mail_with_attachment(server, alice)
    values = {
        "entry": entry,
        "index": "0",
        "token": "not-a-token",
        "domain": "example.com",
        "email": "bob@example.com",
        "record": "1",
        "path": "index.html",
        "rest": "calendars/alice@example.com/",  # CalDAV (401 without Basic credentials)
        "upload_id": "0" * 32,  # tus: no such upload
        "node_id": "1",  # a netdisk file download
        "id": "1",  # an event attachment download (404: no such file)
        "name": "file.txt",
    }
    walked = 0
    async with httpx.AsyncClient(base_url=server.url, headers=alice.headers(), timeout=30) as http:
        for route in app_routes(tmp_path):
            if route.path == "/graphql":
                continue  # its JSON below (POST), its IDE after the walk
            path = re.sub(r"{(\w+)(:\w+)?}", lambda m: values[m.group(1)], route.path)
            method = "GET" if "GET" in (route.methods or {"GET"}) else "POST"
            assert_secured(await http.request(method, path))
            walked += 1
        assert_secured(await http.post("/graphql", json={"query": "{ me { email } }"}))
        # GraphiQL (development only) keeps its CDN scripts but cannot be framed either.
        ide = await http.get("/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 200 and ide.headers["content-type"].startswith("text/html")
        assert ide.headers["content-security-policy"] == NO_FRAMING
        for path in (f"/attachments/{entry}/0", f"/attachments/{entry}/0?inline=1"):
            download = await http.get(path)
            assert download.status_code == 200 and download.content.startswith(b"<script>")
            assert_secured(download)
            assert "sandbox" in download.headers["content-security-policy"], path
    assert walked > 20, "the app's routes were not walked"


async def test_the_raw_message_is_a_sandboxed_eml_download(server):
    alice = await login(server.graphql_url, "alice@example.com", PASSWORD)
    entry = await mail_with_attachment(server, alice)
    async with httpx.AsyncClient(base_url=server.url, headers=alice.headers()) as http:
        response = await http.get(f"/messages/{entry}/raw")
    assert response.status_code == 200 and b"see the file" in response.content
    assert_secured(response)
    assert response.headers["content-security-policy"] == DOWNLOAD_CSP
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(".eml"), disposition


async def test_the_sso_landing_page_runs_only_its_own_script(server):
    sso = await app_api(server, "sso")
    url = (await sso.get("service/get_login_url", userid="bob@example.com"))["login_url"]
    async with httpx.AsyncClient(timeout=30) as http:
        page = await http.get(url)
    assert page.status_code == 200 and "localStorage.setItem" in page.text
    assert_secured(page)
    nonce = re.search(r"script-src 'nonce-([^']+)'", page.headers["content-security-policy"])
    assert nonce is not None, page.headers["content-security-policy"]
    assert f'<script nonce="{nonce.group(1)}">' in page.text


async def test_the_web_apps_files_carry_the_page_policy(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Qiyou</title>")
    (dist / "about.html").write_text("<!doctype html><title>About</title>")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)")
    (dist / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    env = {"QIYOU_DATA_DIR": str(tmp_path), "QIYOU_WEB_DIST": str(dist)}
    app = create_app(Settings.from_env(env), with_smtp=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://qiyou.test") as http:
        for path in ("/", "/index.html", "/about.html", "/mail/INBOX"):
            for method in ("GET", "HEAD"):
                page = await http.request(method, path)
                assert page.status_code == 200, path
                assert page.headers["content-type"].startswith("text/html"), path
                assert page.headers["content-security-policy"] == PAGE_CSP, path
                assert_secured(page)
        assert (await http.get("/index.html")).headers["cache-control"] == "no-cache"
        for path in ("/assets/app-1234.js", "/logo.svg"):
            file = await http.get(path)
            assert file.status_code == 200, path
            assert file.headers["content-security-policy"] == DOWNLOAD_CSP, path
            assert_secured(file)


async def test_built_files_go_out_compressed_where_the_client_accepts_it(tmp_path):
    """The web build writes .br and .gz beside each file (web/scripts/compress.mjs); the
    server sends the one the client accepts, with the original type, else the file itself."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    script = b"console.log('qiyou');\n" * 200
    (dist / "index.html").write_text("<!doctype html><title>Qiyou</title>")
    (dist / "assets" / "app-1.js").write_bytes(script)
    (dist / "assets" / "app-1.js.br").write_bytes(brotli_like := b"br-bytes")
    (dist / "assets" / "app-1.js.gz").write_bytes(gzip.compress(script))
    env = {"QIYOU_DATA_DIR": str(tmp_path), "QIYOU_WEB_DIST": str(dist)}
    app = create_app(Settings.from_env(env), with_smtp=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://qiyou.test") as http:
        plain = await http.get("/assets/app-1.js", headers={"Accept-Encoding": "identity"})
        assert plain.content == script and "content-encoding" not in plain.headers
        gz = await http.get("/assets/app-1.js", headers={"Accept-Encoding": "gzip"})
        assert gz.headers["content-encoding"] == "gzip" and gz.content == script  # decoded
        assert gz.headers["content-type"].startswith("text/javascript")
        assert gz.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert gz.headers["vary"] == "Accept-Encoding"
        accept = {"Accept-Encoding": "gzip, br"}
        async with http.stream("GET", "/assets/app-1.js", headers=accept) as br:
            raw = b"".join([chunk async for chunk in br.aiter_raw()])
        assert br.headers["content-encoding"] == "br" and raw == brotli_like
        assert br.headers["content-type"].startswith("text/javascript")
