"""What the tests of several ``qiyou serve`` processes share: the settings that put them on
one PostgreSQL database, one Redis (a channel prefix of their own) and, where given, one S3
bucket; the relay sink their outbound mail goes to."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import REDIS_URL, _pg_url
from tests.e2e.smtpsink import Sink


def cluster_env(database: str, *, blob_url: str = "", **extra: str) -> dict[str, str]:
    """Settings of every node of one deployment (``database``: a PostgreSQL name)."""
    env = {
        "DATABASE_URL": _pg_url(database),
        "BROADCAST_URL": REDIS_URL,
        "QIYOU_CHANNEL_PREFIX": f"qiyou-{uuid.uuid4().hex[:8]}",  # runs share the Redis
        "QIYOU_DNS_CACHE_SECONDS": "0",
    }
    if blob_url:
        env["QIYOU_BLOB_URL"] = blob_url
    return {**env, **extra}


def relay_env(sink: Sink) -> dict[str, str]:
    """Outbound mail through ``sink`` as the smarthost, retried fast."""
    return {
        "QIYOU_RELAY_URL": f"smtp+starttls://127.0.0.1:{sink.port}?verify=no",
        "QIYOU_DNS_SERVERS": "127.0.0.1:9",  # nothing answers: the relay needs no DNS
        "QIYOU_DNS_TIMEOUT": "0.5",
        "QIYOU_OUTBOUND_POLL": "0.2",
        "QIYOU_OUTBOUND_BACKOFF": "0.5",
    }


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sink]:
    """A relay that keeps what it is sent (one per test module)."""
    relay = Sink(tmp_path_factory.mktemp("relay")).start()
    yield relay
    relay.stop()
