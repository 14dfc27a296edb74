"""Health probes and Prometheus metrics of a real ``qiyou serve`` (docs/monitoring.md): readiness
with every check, a dropped database failing it, SMTP and HTTP counters, open subscriptions,
the metrics token, and the listener of an MX-only process (QIYOU_METRICS_PORT)."""

from __future__ import annotations

import asyncio
import smtplib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import BACKENDS, _psql, private_server, provisioned_copy
from tests.e2e.client import Subscription, login
from tests.e2e.mail import mx, simple_mail, unique
from tests.e2e.server import PASSWORD, QIYOU, ROOT, Server, free_port

TOKEN = "metrics-token-" + "x" * 20
NEW_MAIL = "subscription { newMail { id subject } }"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of an exposition, by name and labels (parsed, not matched by regex)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def scrape(url: str, **headers: str) -> dict[tuple[str, frozenset], float]:
    response = httpx.get(f"{url}/metrics", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


@pytest.fixture(scope="module", params=BACKENDS)
def metered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A server of its own with a metrics token and port (counters start at zero)."""
    data_dir = tmp_path_factory.mktemp(f"metrics-{request.param}")
    env = {"QIYOU_METRICS_TOKEN": TOKEN, "QIYOU_METRICS_PORT": str(free_port())}
    with private_server(request.param, data_dir, env) as srv:
        yield srv


def test_ready_answers_every_check(metered: Server):
    live = httpx.get(f"{metered.url}/health/live", timeout=10)
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert httpx.get(f"{metered.url}/health", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{metered.url}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "events", "blobs", "search"}
    for name, check in body["checks"].items():
        assert check["ok"] and check["status"] == "ok", (name, check)
        assert check["seconds"] >= 0


def test_smtp_mail_and_refused_recipient_are_counted(metered: Server):
    before = scrape(metered.url)
    with mx(metered.smtp_port) as smtp:
        smtp.sendmail(
            "s@remote.test",
            ["bob@example.com"],
            simple_mail("s@remote.test", "bob@example.com", unique("metrics")),
        )
        smtp.ehlo()
        smtp.mail("s@remote.test")
        code, _ = smtp.rcpt("nobody@example.com")
        assert code == 550
        smtp.rset()
    after = scrape(metered.url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("qiyou_smtp_messages_total", listener="mx", code="250") == 1
    assert grew("qiyou_smtp_recipients_total", listener="mx", code="250") == 1
    assert grew("qiyou_smtp_recipients_total", listener="mx", code="550") == 1
    assert grew("qiyou_smtp_ingest_seconds_count", listener="mx") == 1
    assert grew("qiyou_smtp_ingest_seconds_sum", listener="mx") > 0
    assert grew("qiyou_store_commit_seconds_count") >= 1
    assert value(after, "qiyou_smtp_messages_total", listener="submission", code="250") == 0
    # Scrape-time gauges from the database, each collector answering.
    for collector in ("outbound_queue", "outbox", "graphql"):
        assert value(after, "qiyou_collector_up", collector=collector) == 1, collector
    assert ("qiyou_outbound_queue", frozenset({("state", "queued")})) in after
    assert ("qiyou_search_index_jobs", frozenset()) in after


def test_http_requests_are_labelled_by_route_template(metered: Server):
    entry = unique("entry").replace(" ", "-")
    assert httpx.get(f"{metered.url}/attachments/{entry}/1", timeout=10).status_code == 401
    httpx.get(f"{metered.url}/mail/{entry}/somewhere", timeout=10)  # the web app's fallback
    found = scrape(metered.url)
    routes = {dict(labels).get("route") for name, labels in found if name.startswith("qiyou_http")}
    assert value(found, "qiyou_http_requests_total", route="/attachments/{entry}/{index}",
                 status="401") >= 1  # fmt: skip
    assert "/{path:path}" in routes
    assert value(found, "qiyou_http_request_seconds_count", route="/metrics") >= 1
    assert not any(entry in (route or "") for route in routes)  # never the raw path


async def test_open_subscription_is_counted(metered: Server):
    bob = await login(metered.graphql_url, "bob@example.com", PASSWORD)
    assert value(scrape(metered.url), "qiyou_graphql_subscriptions") == 0
    async with Subscription(metered.ws_url, bob.token, NEW_MAIL):
        found = await _until(metered.url, "qiyou_graphql_subscriptions", 1)
        assert value(found, "qiyou_graphql_sockets") == 1
        assert value(found, "qiyou_http_websockets", route="/graphql") == 1
    assert value(await _until(metered.url, "qiyou_graphql_subscriptions", 0),
                 "qiyou_http_websockets", route="/graphql") == 0  # fmt: skip


async def _until(url: str, name: str, wanted: float) -> dict:
    """Scrape until ``name`` reads ``wanted`` (the server registers a subscription just after
    the client sends it); the last scrape."""
    for _ in range(100):
        found = scrape(url)
        if value(found, name) == wanted:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} never read {wanted}: {value(found, name)}")


def test_metrics_port_of_an_http_node(metered: Server):
    url = f"http://127.0.0.1:{metered.env['QIYOU_METRICS_PORT']}"
    assert httpx.get(f"{url}/health/live", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{url}/health/ready", timeout=10).json()
    assert ready["failed"] == [] and ready["checks"]["search"]["status"] == "ok"
    httpx.get(f"{metered.url}/health/live", timeout=10)  # counted by the main app's middleware
    assert value(scrape(url), "qiyou_http_requests_total", route="/health/live", status="200") >= 1
    assert httpx.get(f"{url}/graphql", timeout=10).status_code == 404  # these routes only


def test_metrics_token(metered: Server):
    assert scrape(metered.url, Authorization=f"Bearer {TOKEN}")
    wrong = httpx.get(f"{metered.url}/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    ready = httpx.get(f"{metered.url}/health/ready", headers={"Authorization": "Bearer nope"})
    assert ready.status_code == 403
    live = httpx.get(f"{metered.url}/health/live", headers={"Authorization": "Bearer nope"})
    assert live.status_code == 200  # live stays public


POSTGRES = [p for p in BACKENDS if p.values == ("postgres",)]  # its xdist group: its template
SQLITE = [p for p in BACKENDS if p.values == ("sqlite",)]


@pytest.mark.parametrize("backend", POSTGRES)
def test_ready_fails_when_the_database_goes_away(backend: str, tmp_path: Path):
    with private_server(backend, tmp_path) as srv:
        assert httpx.get(f"{srv.url}/health/ready", timeout=10).status_code == 200
        database = srv.env["DATABASE_URL"].rsplit("/", 1)[1]
        _psql(f"DROP DATABASE {database} WITH (FORCE)")
        ready = httpx.get(f"{srv.url}/health/ready", timeout=10)  # bounded: checks time out
        assert ready.status_code == 503, ready.text
        body = ready.json()
        assert body["failed"] == ["database"], body
        assert body["checks"]["events"]["ok"] and body["checks"]["blobs"]["ok"]
        assert httpx.get(f"{srv.url}/health/live", timeout=10).status_code == 200
        found = scrape(srv.url)  # the scrape still answers; its database collectors do not
        assert value(found, "qiyou_collector_up", collector="outbox") == 0
        assert value(found, "qiyou_collector_up", collector="graphql") == 1


@pytest.fixture(params=SQLITE)
def mx_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[int, int]]:
    """``qiyou serve --roles mx`` with QIYOU_METRICS_PORT (SQLite): its SMTP and metrics ports."""
    provisioned_copy(request.param, tmp_path)
    smtp_port, metrics_port = free_port(), free_port()
    server = Server(data_dir=tmp_path, env={"QIYOU_METRICS_PORT": str(metrics_port)})
    server.smtp_port = smtp_port
    with open(tmp_path / "server.log", "wb") as log:
        process = subprocess.Popen(
            [*QIYOU, "serve", "--roles", "mx"],
            env=server.full_env(),
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        try:
            _wait_ready(f"http://127.0.0.1:{metrics_port}", process, tmp_path / "server.log")
            yield smtp_port, metrics_port
        finally:
            process.terminate()
            process.wait(timeout=15)


def _wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    for _ in range(600):
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the MX-only process never got ready: {log.read_text()}")


def test_mx_only_process_serves_health_and_metrics(mx_only: tuple[int, int]):
    smtp_port, metrics_port = mx_only
    url = f"http://127.0.0.1:{metrics_port}"
    ready = httpx.get(f"{url}/health/ready", timeout=10).json()
    assert ready["checks"]["search"]["status"] == "not used"  # no search in an MX process
    assert ready["checks"]["database"]["status"] == "ok"
    assert httpx.get(f"{url}/health/live", timeout=10).json() == {"status": "ok"}
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        smtp.sendmail(
            "s@remote.test",
            ["alice@example.com"],
            simple_mail("s@remote.test", "alice@example.com", unique("mx-only")),
        )
    found = scrape(url)
    assert value(found, "qiyou_smtp_messages_total", listener="mx", code="250") == 1
    assert value(found, "qiyou_smtp_ingest_seconds_count", listener="mx") == 1
    assert httpx.get(f"{url}/graphql", timeout=10).status_code == 404  # health routes only


def test_a_bad_metrics_network_stops_serve_with_a_message(tmp_path: Path):
    server = Server(data_dir=tmp_path, env={"QIYOU_METRICS_ALLOW": "10.0.0.0/8,not-a-network"})
    result = subprocess.run(
        [*QIYOU, "serve"], env=server.full_env(), cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr == (
        "qiyou: QIYOU_METRICS_ALLOW='not-a-network': expected IP addresses or CIDR networks\n"
    )
    assert "Traceback" not in result.stderr
