"""Search: one contract (``contract.py``), two backends chosen by ``SEARCH_URL``.

- ``tantivy://`` (default): an embedded tantivy index under ``<data dir>/search``;
  ``tantivy:///some/path`` puts it elsewhere.
- ``meili+http://host:7700?key=KEY&prefix=qiyou_`` (or ``meili+https://``): a Meilisearch
  server; ``key`` is an API key allowed to manage the indexes, ``prefix`` starts index names.

The runtime starts one indexer (``start``) for every space (``sources``: mail, archive) and
keeps it (``runtime.indexer``); it registers ``mail_jobs`` and ``change_jobs`` with the store,
whose commits then carry the outbox jobs the indexer follows: with Meilisearch a worker
applies them to the one shared index; with tantivy a worker adds them to the search feed,
which every node's indexer follows into the node's own index (``indexer.py``; docs/search.md).
Searches go through the backend
of the runtime's indexer (``backend_of``; see ``mail.search_mail`` and
``mailcore/archive/search.py``). ``admin.py`` (the CLI) opens a backend of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from mailcore.core.blobs import BlobStore
from mailcore.search.contract import (
    ARCHIVE,
    MAIL,
    SearchBackend,
    SearchDoc,
    SearchPage,
    SearchQuery,
    SearchUnavailable,
    Sort,
)
from mailcore.search.indexer import Indexer, Source, jobs, record_changes
from mailcore.store.registry import EntryChange, Job
from mailcore.store.request import IngestRequest, IngestResult

__all__ = [
    "ARCHIVE",
    "MAIL",
    "Indexer",
    "SearchBackend",
    "SearchDoc",
    "SearchPage",
    "SearchQuery",
    "SearchUnavailable",
    "Sort",
    "backend_of",
    "change_jobs",
    "documents_changed",
    "mail_jobs",
    "reuse_parse",
    "open_backend",
    "start",
    "stop",
]

log = logging.getLogger(__name__)


def open_backend(url: str, data_dir: Path) -> SearchBackend:
    """The backend a ``SEARCH_URL`` names (not opened yet)."""
    url = (url or "tantivy://").strip()
    parts = urlsplit(url)
    if parts.scheme == "tantivy":
        from mailcore.search.tantivy_backend import TantivyBackend

        path = Path(parts.path) if parts.path not in ("", "/") else Path(data_dir) / "search"
        return TantivyBackend(path)
    if parts.scheme in ("meili+http", "meili+https"):
        from mailcore.search.meili_backend import MeiliBackend

        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        scheme = parts.scheme.removeprefix("meili+")
        return MeiliBackend(
            f"{scheme}://{parts.netloc}{parts.path}".rstrip("/"),
            api_key=options.get("key"),
            prefix=options.get("prefix", "qiyou_"),
        )
    raise ValueError(f"SEARCH_URL: unknown search backend {url!r} (tantivy:// or meili+http://)")


async def start(
    url: str,
    data_dir: Path,
    blobs: BlobStore,
    *,
    feeding: bool = False,
    paused: bool = False,
    announce: Callable[[], None] | None = None,
) -> Indexer:
    """Open the backend and start the indexer (it first catches up on what is outstanding).
    ``feeding``: this process takes the search outbox jobs (a worker). An index of this
    node's own follows the search feed unless ``paused``; ``announce`` wakes other
    processes' indexers when this one added to the feed."""
    search_backend = open_backend(url, data_dir)
    try:
        await search_backend.open()
    except SearchUnavailable as exc:  # e.g. Meilisearch not up yet: the indexer retries
        log.warning("search backend not available yet: %s", exc)
    indexer = Indexer(
        search_backend,
        sources(blobs),
        feeding=feeding and not paused,
        follows=not paused,
        announce=announce,
    )
    indexer.start()
    return indexer


def sources(blobs: BlobStore) -> list[Source]:
    """Every search space and where its documents come from."""
    from mailcore.archive.index import ArchiveSource
    from mailcore.search.mail import MailSource

    return [MailSource(blobs), ArchiveSource()]


async def stop(indexer: Indexer) -> None:
    """Stop what ``start`` started: the indexer, then its backend."""
    await indexer.stop()
    await indexer.backend.close()


def backend_of(indexer: Indexer | None) -> SearchBackend:
    """The backend of a process's indexer (``runtime.indexer``), for searching."""
    if indexer is None:
        raise SearchUnavailable("search is not started in this process")
    return indexer.backend


def mail_jobs(request: IngestRequest, result: IngestResult) -> list[Job]:
    """Registry job maker: index the new entries of a stored mail (inside its commit)."""
    return jobs(MAIL, [stored.entry_id for stored in result.entries], new=True)


def change_jobs(change: EntryChange) -> list[Job]:
    """Registry job maker: re-read changed or removed entries into the index."""
    return jobs(MAIL, change.entry_ids)


async def reuse_parse(request: IngestRequest, result: IngestResult) -> None:
    """Registry listener of a process with an indexer: hand it ingest's parse of the message
    (saves a parse)."""
    from mailcore.search.mail import remember

    remember(result.sha256, result.parsed)


async def documents_changed(indexer: Indexer | None, space: str, ids: list[int]) -> None:
    """Documents of a space changed or were removed: re-read them into the index (and wake
    this process's ``indexer``, if any)."""
    try:
        await record_changes(space, [int(i) for i in ids])
    except Exception:  # noqa: BLE001 - the change itself stands; search hides stale hits
        log.exception("could not record search changes for %d documents", len(ids))
        return
    if indexer is not None:
        indexer.notify()
