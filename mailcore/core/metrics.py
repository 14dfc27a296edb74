"""This process's Prometheus metrics: the counters and histograms the code updates as it works,
and the gauges computed at scrape time (docs/monitoring.md).

One registry per process (``REGISTRY``; no multiprocess mode: each process is scraped on its
own). Updating a counter or histogram costs a few hundred nanoseconds and takes no lock
that waits on I/O, so the SMTP hot path counts every reply. Gauges that need the database
(the outbound queue, the outbox's lag per topic and the search indexer's lag) are computed
when ``/metrics`` is read, each by one aggregate query bounded by ``SCRAPE_TIMEOUT``; a
collector that fails or times out reports ``qiyou_collector_up{collector=...} 0`` instead of
its figures. Other layers add their own scrape-time gauges with ``register_collector`` (an
async function returning metric families), e.g. the search feed's "head − node cursor".
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from tortoise.connection import get_connections

from mailcore.core.models import OutboundStatus
from mailcore.core.sqlwork import postgres_sql

log = logging.getLogger(__name__)

SCRAPE_TIMEOUT = 2.0  # seconds each scrape-time collector may take
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REGISTRY = CollectorRegistry()

SMTP_MESSAGES = Counter(
    "qiyou_smtp_messages",
    "Messages at the end of DATA/BDAT LAST, by the reply sent (250: ingested; else refused)",
    ["listener", "code"],
    registry=REGISTRY,
)
SMTP_RECIPIENTS = Counter(
    "qiyou_smtp_recipients",
    "RCPT commands in a transaction, by the reply sent (250: accepted; else refused)",
    ["listener", "code"],
    registry=REGISTRY,
)
SMTP_INGEST_SECONDS = Histogram(
    "qiyou_smtp_ingest_seconds",
    "From the end of the message data to the reply (policies, blob, commit)",
    ["listener"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
STORE_COMMIT_SECONDS = Histogram(
    "qiyou_store_commit_seconds",
    "Time of one group commit of the store (one transaction for a group of messages)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
STORE_COMMIT_MESSAGES = Counter(
    "qiyou_store_committed_messages",
    "Messages stored by group commits",
    registry=REGISTRY,
)


@functools.lru_cache(maxsize=512)
def smtp_messages(listener: str, code: str) -> Any:
    """``SMTP_MESSAGES`` for one listener and reply code (looked up once: the hot path)."""
    return SMTP_MESSAGES.labels(listener, code)


@functools.lru_cache(maxsize=512)
def smtp_recipients(listener: str, code: str) -> Any:
    return SMTP_RECIPIENTS.labels(listener, code)


Collector = Callable[[], Awaitable[Iterable[Metric]]]
_collectors: dict[str, Collector] = {}


def register_collector(name: str, collect: Collector) -> None:
    """Add a scrape-time collector: ``collect()`` returns metric families (e.g.
    ``GaugeMetricFamily``); it runs at each scrape within ``SCRAPE_TIMEOUT``. Registering a
    name again replaces the collector (a runtime started twice in one process)."""
    _collectors[name] = collect


def unregister_collector(name: str) -> None:
    _collectors.pop(name, None)


async def _query(sql: str, values: list) -> list[dict]:
    connection = get_connections().get("default")
    if connection.capabilities.dialect == "postgres":
        sql = postgres_sql(sql)
    return [dict(row) for row in await connection.execute_query_dict(sql, values)]


QUEUE_STATES = (OutboundStatus.QUEUED, OutboundStatus.SENDING)


async def outbound_queue() -> list[Metric]:
    """Rows of the outbound queue still to deliver, by state (index ``status,
    next_attempt_at``); ``due``: queued rows whose next attempt is now or past."""
    rows = await _query(
        "SELECT status, COUNT(*) AS n FROM outbound_message WHERE status IN (?, ?) GROUP BY status",
        [s.value for s in QUEUE_STATES],
    )
    counts = {row["status"]: int(row["n"]) for row in rows}
    depth = GaugeMetricFamily(
        "qiyou_outbound_queue", "Outbound deliveries not done yet, by state", labels=["state"]
    )
    for state in QUEUE_STATES:
        depth.add_metric([state.value], counts.get(state.value, 0))
    return [depth]


async def outbox_lag() -> list[Metric]:
    """Per outbox topic (one consumer each): jobs waiting and the age of the oldest due one;
    ``search.*`` topics summed again as the search indexer's lag."""
    now = int(time.time() * 1000)
    rows = await _query(
        "SELECT topic, COUNT(*) AS n,"
        " MIN(CASE WHEN available_at <= ? THEN created_at END) AS oldest"
        " FROM outbox GROUP BY topic",
        [now],
    )
    waiting = GaugeMetricFamily(
        "qiyou_outbox_jobs", "Outbox jobs waiting, by topic (consumer)", labels=["topic"]
    )
    age = GaugeMetricFamily(
        "qiyou_outbox_oldest_seconds",
        "Age of the oldest due outbox job, by topic (0: none due)",
        labels=["topic"],
    )
    search_jobs, search_oldest = 0, now
    for row in rows:
        topic, n, oldest = row["topic"], int(row["n"]), row["oldest"]
        lag = max(now - int(oldest), 0) / 1000 if oldest is not None else 0.0
        waiting.add_metric([topic], n)
        age.add_metric([topic], lag)
        if topic.startswith("search."):
            search_jobs += n
            if oldest is not None:
                search_oldest = min(search_oldest, int(oldest))
    index_jobs = GaugeMetricFamily(
        "qiyou_search_index_jobs", "Search indexing jobs (search.* outbox topics) waiting"
    )
    index_jobs.add_metric([], search_jobs)
    index_age = GaugeMetricFamily(
        "qiyou_search_index_lag_seconds", "Age of the oldest due search indexing job (0: none)"
    )
    index_age.add_metric([], max(now - search_oldest, 0) / 1000)
    return [waiting, age, index_jobs, index_age]


register_collector("outbound_queue", outbound_queue)
register_collector("outbox", outbox_lag)


class _Scrape:
    """What one scrape exposes: the registry, the scrape-time families and their ``up``."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        yield from self.families


async def _run(name: str, collect: Collector) -> tuple[str, list[Metric] | None]:
    try:
        async with asyncio.timeout(SCRAPE_TIMEOUT):
            return name, list(await collect())
    except Exception as exc:  # noqa: BLE001 - a broken collector must not break the scrape
        log.warning("metrics collector %s failed: %r", name, exc)
        return name, None


async def exposition() -> bytes:
    """The Prometheus text exposition of this process, scrape-time gauges included."""
    results = await asyncio.gather(*(_run(n, c) for n, c in list(_collectors.items())))
    up = GaugeMetricFamily(
        "qiyou_collector_up",
        "1 if the scrape-time collector answered within its timeout",
        labels=["collector"],
    )
    families: list[Metric] = [up]
    for name, found in results:
        up.add_metric([name], 0 if found is None else 1)
        families.extend(found or ())
    return generate_latest(_Scrape(families))  # type: ignore[arg-type]
