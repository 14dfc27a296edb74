"""mask_url / mask_query: secrets never reach a log line or the start-up banner."""

from __future__ import annotations

import pytest

from mailcore.core.redact import mask_query, mask_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgres://qiyou:pw@db/qiyou", "postgres://qiyou:***@db/qiyou"),
        ("redis://:secret@redis:6379/0", "redis://:***@redis:6379/0"),
        ("smtp+starttls://u:p%40x@relay:587", "smtp+starttls://u:***@relay:587"),
        ("meili+http://h:7700?key=k", "meili+http://h:7700?key=***"),
        (
            "s3://mail?endpoint=http://127.0.0.1:8333&access_key=AK&secret_key=S",
            "s3://mail?endpoint=http://127.0.0.1:8333&access_key=***&secret_key=***",
        ),
        (
            "s3://mail?aws_secret_access_key=S&region=x",
            "s3://mail?aws_secret_access_key=***&region=x",
        ),
        (
            "s3://AKIAXX:wJalr@mail?endpoint=http://s3:8333",
            "s3://***:***@mail?endpoint=http://s3:8333",
        ),
        ("s3://AKIAXX@mail", "s3://***@mail"),
        ("tantivy://", "tantivy://"),
        ("memory://", "memory://"),
        ("sqlite:///var/q.sqlite3", "sqlite:///var/q.sqlite3"),
        ("builtin", "builtin"),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_no_secret_survives() -> None:
    for url in ("postgres://a:hunter2@h/d", "s3://b?token=hunter2", "rediss://:hunter2@h"):
        assert "hunter2" not in mask_url(url)


def test_unparseable_url_shows_only_its_scheme() -> None:
    assert mask_url("redis://:hunter2@h:notaport/0") in ("redis://***", "redis://:***@h:notaport/0")
    assert "hunter2" not in mask_url("redis://:hunter2@h:notaport/0")


def test_mask_query() -> None:
    assert mask_query("a=1&password=x&b=2") == "a=1&password=***&b=2"
    assert mask_query("a=1&b=2") == "a=1&b=2"
    assert mask_query("") == ""
