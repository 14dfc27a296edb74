"""The server's log (``server.log`` in its data dir: stdout and stderr of ``qiyou serve``)
after downloads and open API calls: no session token, ticket or secret in it, in text or in
JSON lines (``QIYOU_LOG_FORMAT=json``), and the request id a client sent on its lines."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import private_server
from tests.e2e.client import login
from tests.e2e.server import PASSWORD, Server
from tests.e2e.test_download_tickets import _received_attachment, _ticket


@pytest.fixture(scope="module")
def json_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("json-logs")
    with private_server("sqlite", data_dir, env={"QIYOU_LOG_FORMAT": "json"}) as srv:
        yield srv


async def _secrets_through(server: Server, request_id: str) -> list[str]:
    """Download by ticket, try ``?token=``, call gettoken with a secret; the secrets used."""
    bob = await login(server.graphql_url, "bob@example.com", PASSWORD)
    url = (await _received_attachment(server, bob, "bob@example.com"))["url"]
    secret = f"corp-secret-{uuid.uuid4().hex}"
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(url, headers={"X-Request-ID": request_id})).status_code == 200
        assert (await http.get(url.split("?")[0], params={"token": bob.token})).status_code == 401
        for name in ("corpsecret", "CorpSecret", "corp%73ecret"):
            await http.get(f"/cgi-bin/gettoken?corpid=ww-{request_id}&{name}={secret}")
    return [bob.token, _ticket(url), secret]


def _log_once_it_has(server: Server, text: str) -> str:
    """The server's log once ``text`` is in it (lines are written as requests end)."""
    path: Path = server.data_dir / "server.log"
    deadline = time.monotonic() + 10
    while text not in (log := path.read_text(errors="replace")) and time.monotonic() < deadline:
        time.sleep(0.05)
    return log


async def test_the_text_log_has_no_token_ticket_or_secret(server):
    request_id = f"text-{uuid.uuid4().hex[:12]}"
    secrets = await _secrets_through(server, request_id)
    log = _log_once_it_has(server, f"ww-{request_id}&corp%73ecret=***")

    for secret in secrets:
        assert secret not in log
    access = [line for line in log.splitlines() if f"ww-{request_id}" in line]
    assert len(access) == 3 and all("uvicorn.access" in line for line in access)
    assert "?token=***" in log
    assert f"[{request_id}]" in log, "the access line of that request names its request id"


async def test_json_logs_are_json_lines_with_the_request_id(json_server):
    request_id = f"json-{uuid.uuid4().hex[:12]}"
    secrets = await _secrets_through(json_server, request_id)
    async with httpx.AsyncClient(base_url=json_server.url) as http:
        echoed = await http.get("/health", headers={"X-Request-ID": request_id})
        made = await http.get("/health", headers={"X-Request-ID": "bad id <x>"})
    log = _log_once_it_has(json_server, f"ww-{request_id}&corp%73ecret=***")

    assert echoed.headers["x-request-id"] == request_id
    assert made.headers["x-request-id"] != "bad id <x>"
    assert len(made.headers["x-request-id"]) == 32, "an unsafe id is replaced by a new one"
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line["logger"] == "qiyou" and "roles" in line["message"] for line in lines)
    ours = [line for line in lines if line.get("request_id") == request_id]
    assert [line["logger"] for line in ours].count("uvicorn.access") >= 2
    assert any("/attachments/" in line["message"] for line in ours)
    for secret in secrets:
        assert secret not in log
