"""Backends under the search contract: tantivy always, Meilisearch when MEILI_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mailcore.search import SearchBackend, open_backend

BACKENDS = [
    "tantivy",
    pytest.param(
        "meili",
        marks=pytest.mark.skipif(
            not os.environ.get("MEILI_URL"), reason="MEILI_URL not set (no Meilisearch server here)"
        ),
    ),
]


def backend_url(kind: str, tmp_path: Path) -> str:
    if kind == "tantivy":
        return f"tantivy://{tmp_path / 'index'}"
    base = os.environ["MEILI_URL"].rstrip("/")
    scheme, _, rest = base.partition("://")
    key = os.environ.get("MEILI_KEY", "")
    return f"meili+{scheme}://{rest}?key={key}&prefix=t{uuid.uuid4().hex[:8]}_"


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchBackend]:
    engine = open_backend(backend_url(request.param, tmp_path), tmp_path)
    await engine.open()
    try:
        yield engine
    finally:
        for space in ("mail", "archive"):
            try:
                await engine.clear(space)
            except Exception:  # noqa: BLE001 - best effort cleanup of a shared server
                pass
        await engine.close()
