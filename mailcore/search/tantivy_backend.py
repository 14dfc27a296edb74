"""The embedded search backend: one tantivy index per space under ``<data dir>/search/``.

Every tantivy call runs in a worker thread under a per-space lock and is guarded: tantivy
raises Rust panics (``pyo3_runtime.PanicException``, a ``BaseException``) on some inputs. A
failed query answers an empty page; a failed write raises ``SearchUnavailable`` so the indexer
keeps the work for later. The writer (which holds tantivy's lock file) is opened for a batch
of writes and released when the indexer has been idle for a moment (``indexer.py``), so
``qiyou search reindex`` can run beside a live server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import tantivy

from mailcore.search.contract import (
    MAX_LIMIT,
    MAX_OFFSET,
    MUTABLE_FIELDS,
    TEXT_FIELDS,
    Hit,
    SearchBackend,
    SearchDoc,
    SearchPage,
    SearchQuery,
    SearchUnavailable,
    Sort,
)
from mailcore.search.tokens import (
    ANALYZER,
    Group,
    best_snippet,
    build_analyzer,
    parse_query,
    words,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_VERSION = 3  # a new version starts a new index directory, filled again by the indexer
WRITER_HEAP = 64 * 1024 * 1024
RELOAD_EVERY = 1.0  # seconds: pick up commits made by another process (a CLI reindex)
SUBJECT_BOOST = 2.0
MAX_EXPANSIONS = 64  # words a prefix stands for
SNIPPET_FIELDS = ("body", "subject", "attachments", "sender", "recipients")
# SearchQuery attribute -> the indexed field its words must be in
FIELD_FILTERS = {
    "subject": "subject",
    "sender": "sender",
    "recipient": "recipients",
    "attachment": "attachments",
}


def _fatal(exc: BaseException) -> bool:
    return isinstance(exc, KeyboardInterrupt | SystemExit | asyncio.CancelledError)


def build_schema() -> tantivy.Schema:
    """Filters as fast fields; one ``text`` field holds every searchable word (one posting
    list per word, not five); ``subject``, ``sender``, ``recipients`` and ``attachments``
    again for their filters (and ``subject`` for ranking); the text as written is stored
    once, compressed, in ``source``."""
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    sb.add_integer_field("owner", stored=True, indexed=True, fast=True)
    sb.add_integer_field("folder", stored=True, indexed=True, fast=True)
    sb.add_date_field("date", stored=True, indexed=True, fast=True)
    sb.add_integer_field("ts", indexed=False, fast=True)  # microseconds: newest-first order
    for name in ("unread", "flagged", "has_attachment"):
        sb.add_boolean_field(name, stored=True, indexed=True, fast=True)
    sb.add_text_field("labels", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", tokenizer_name=ANALYZER, index_option="position")
    for name in FIELD_FILTERS.values():
        sb.add_text_field(name, tokenizer_name=ANALYZER, index_option="position")
    sb.add_bytes_field("source", stored=True, indexed=False, fast=False)
    return sb.build()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# tantivy's date field holds 1677-09-21 to 2262-04-11 (nanoseconds in 64 bits). A mail's
# Date header outside that range is indexed at its edge, and a search's since/until is held
# so that such mail is still found (until before 1678: the mail indexed at the lower edge).
DATE_MIN = datetime(1678, 1, 1, tzinfo=UTC)
DATE_MAX = datetime(2262, 1, 1, tzinfo=UTC)
EDGE = timedelta(seconds=1)


def _date(value: datetime, low: datetime = DATE_MIN, high: datetime = DATE_MAX - EDGE) -> datetime:
    return min(max(_utc(value), low), high)


def _micros(value: datetime) -> int:
    return int(_utc(value).timestamp() * 1_000_000)


def _document(doc: SearchDoc) -> tantivy.Document:
    source = {name: getattr(doc, name) for name in TEXT_FIELDS}
    return tantivy.Document(
        id=doc.id,
        owner=doc.owner,
        folder=doc.folder,
        date=_date(doc.date),
        ts=_micros(doc.date),
        unread=doc.unread,
        flagged=doc.flagged,
        has_attachment=doc.has_attachment,
        labels=list(doc.labels),
        text="\n".join(source.values()),
        subject=doc.subject,
        sender=doc.sender,
        recipients=doc.recipients,
        attachments=doc.attachments,
        source=json.dumps(source, ensure_ascii=False).encode(),
    )


def _stored(document: tantivy.Document) -> SearchDoc:
    values = document.to_dict()

    def one(name: str, default: Any = None) -> Any:
        found = values.get(name) or []
        return found[0] if found else default

    source = json.loads(bytes(one("source", b"{}")) or b"{}")
    return SearchDoc(
        id=int(one("id")),
        owner=int(one("owner")),
        date=one("date"),
        folder=int(one("folder", 0)),
        unread=bool(one("unread", False)),
        flagged=bool(one("flagged", False)),
        has_attachment=bool(one("has_attachment", False)),
        labels=list(values.get("labels") or []),
        **{name: str(source.get(name) or "") for name in TEXT_FIELDS},
    )


@dataclass
class _Space:
    index: tantivy.Index
    schema: tantivy.Schema
    lock: threading.Lock
    writer: tantivy.IndexWriter | None = None
    reloaded: float = 0.0
    created: bool = False  # made empty by this process: nothing in it is indexed yet


class TantivyBackend(SearchBackend):
    name = "tantivy"
    shared = False  # each node keeps its own index and follows the search feed into it

    def __init__(
        self, path: Path, *, heap: int = WRITER_HEAP, threads: int = 1, spaces: tuple = ()
    ) -> None:
        self.path = Path(path)
        self.heap = heap
        self.threads = threads
        self._spaces: dict[str, _Space] = {}
        self._open_lock = threading.Lock()
        self._preopen = spaces

    # lifecycle ------------------------------------------------------------------------------

    def node_id(self) -> str:
        """This index's node id, in ``<index dir>/node``: a new index dir is a new node."""
        path = self.path / "node"
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            self.path.mkdir(parents=True, exist_ok=True)
            node = f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:12]}"
            tmp = path.with_name(f".node.{uuid.uuid4().hex}")
            tmp.write_text(node)
            try:
                os.link(tmp, path)  # the first process to get here names the node
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
            return path.read_text().strip()

    async def open(self) -> None:
        await asyncio.to_thread(self.path.mkdir, parents=True, exist_ok=True)
        for space in self._preopen:
            await self._call(space, lambda s: None)

    async def close(self) -> None:
        await asyncio.to_thread(self._release_all)

    async def was_created(self, space: str) -> bool:
        return await self._call(space, lambda s: s.created)

    async def release(self) -> None:
        """Drop idle writers (and with them tantivy's lock file)."""
        await asyncio.to_thread(self._release_all)

    def _release_all(self) -> None:
        for space in list(self._spaces.values()):
            with space.lock:
                space.writer = None

    def _space(self, name: str) -> _Space:
        with self._open_lock:
            space = self._spaces.get(name)
            if space is None:
                if not name.isidentifier():
                    raise SearchUnavailable(f"bad search space name {name!r}")
                directory = self.path / f"{name}-v{SCHEMA_VERSION}"
                directory.mkdir(parents=True, exist_ok=True)
                created = not tantivy.Index.exists(str(directory))
                if created:
                    index = tantivy.Index(build_schema(), path=str(directory))
                else:
                    index = tantivy.Index.open(str(directory))
                index.register_tokenizer(ANALYZER, build_analyzer())  # after every open
                space = _Space(index, index.schema, threading.Lock(), created=created)
                self._spaces[name] = space
            return space

    async def _call(self, name: str, work: Callable[[_Space], T], write: bool = True) -> T:
        """Run ``work`` in a thread; writes one at a time per space, reads beside them."""

        def run() -> T:
            space = self._space(name)
            if not write:
                return work(space)
            with space.lock:
                return work(space)

        try:
            return await asyncio.to_thread(run)
        except SearchUnavailable:
            raise
        except BaseException as exc:
            if _fatal(exc):
                raise
            raise SearchUnavailable(f"tantivy: {type(exc).__name__}: {exc}") from None

    def _writer(self, space: _Space) -> tantivy.IndexWriter:
        if space.writer is None:
            space.writer = space.index.writer(self.heap, self.threads)
        return space.writer

    def _commit(self, space: _Space) -> None:
        assert space.writer is not None
        try:
            space.writer.commit()
        except BaseException:
            space.writer = None  # a failed writer is not reused
            raise
        space.index.reload()
        space.reloaded = time.monotonic()

    # writes ---------------------------------------------------------------------------------

    async def upsert(self, space: str, docs: list[SearchDoc]) -> None:
        if not docs:
            return

        def work(s: _Space) -> None:
            writer = self._writer(s)
            for doc in docs:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(_document(doc))
            self._commit(s)

        await self._call(space, work)

    async def update(self, space: str, changes: dict[int, dict[str, object]]) -> list[int]:
        if not changes:
            return []

        def work(s: _Space) -> list[int]:
            self._fresh(s, force=True)
            searcher = s.index.searcher()
            missing, found = [], []
            for doc_id, change in changes.items():
                query = tantivy.Query.term_query(s.schema, "id", doc_id)
                hits = searcher.search(query, 1).hits
                if not hits:
                    missing.append(doc_id)
                    continue
                doc = _stored(searcher.doc(hits[0][1]))
                for key, value in change.items():
                    if key in MUTABLE_FIELDS:
                        setattr(doc, key, value)
                found.append(doc)
            if found:
                writer = self._writer(s)
                for doc in found:
                    writer.delete_documents_by_term("id", doc.id)
                    writer.add_document(_document(doc))
                self._commit(s)
            return missing

        return await self._call(space, work)

    async def delete(self, space: str, ids: list[int]) -> None:
        if not ids:
            return

        def work(s: _Space) -> None:
            writer = self._writer(s)
            for doc_id in ids:
                writer.delete_documents_by_term("id", int(doc_id))
            self._commit(s)

        await self._call(space, work)

    async def clear(self, space: str) -> None:
        def work(s: _Space) -> None:
            self._writer(s).delete_all_documents()
            self._commit(s)

        await self._call(space, work)

    # reads ----------------------------------------------------------------------------------

    def _fresh(self, s: _Space, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - s.reloaded > RELOAD_EVERY:
            s.index.reload()
            s.reloaded = now

    def _query(self, s: _Space, q: SearchQuery, groups: list[Group]) -> tantivy.Query:
        schema = s.schema
        must = tantivy.Occur.Must
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = [
            (must, tantivy.Query.term_query(schema, "owner", int(q.owner)))
        ]
        searcher = s.index.searcher()
        for group in groups:
            clauses.append((must, _group_query(schema, searcher, "text", group)))
        if q.sort is Sort.RELEVANCE and groups:  # words in the subject rank higher
            subject = [
                (tantivy.Occur.Should, _group_query(schema, searcher, "subject", g)) for g in groups
            ]
            boost = tantivy.Query.boost_query(tantivy.Query.boolean_query(subject), SUBJECT_BOOST)
            clauses.append((tantivy.Occur.Should, boost))
        if q.folder is not None:
            clauses.append((must, tantivy.Query.term_query(schema, "folder", int(q.folder))))
        for folder in q.exclude_folders:
            clauses.append(
                (tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "folder", int(folder)))
            )
        for attribute, field in FIELD_FILTERS.items():
            value = getattr(q, attribute)
            if value is not None:
                tokens = words(value)
                if tokens:
                    group = Group(tuple(tokens))
                    clauses.append((must, _group_query(schema, searcher, field, group)))
        if q.since is not None or q.until is not None:
            clauses.append(
                (
                    must,
                    tantivy.Query.range_query(
                        schema,
                        "date",
                        tantivy.FieldType.Date,
                        _date(q.since, high=DATE_MAX) if q.since else None,
                        _date(q.until, low=DATE_MIN + EDGE, high=DATE_MAX) if q.until else None,
                        include_lower=True,
                        include_upper=q.until is None,
                    ),
                )
            )
        for field, flag in (
            ("has_attachment", q.has_attachment),
            ("unread", q.unread),
            ("flagged", q.flagged),
        ):
            if flag is not None:
                clauses.append((must, tantivy.Query.term_query(schema, field, bool(flag))))
        if q.labels_any is not None:
            clauses.append(
                (must, tantivy.Query.term_set_query(schema, "labels", list(q.labels_any)))
            )
        return tantivy.Query.boolean_query(clauses)

    async def search(self, space: str, query: SearchQuery) -> SearchPage:
        groups = parse_query(query.text)
        if _hopeless(query, groups):
            return SearchPage([], 0)
        limit = max(1, min(int(query.limit), MAX_LIMIT))  # tantivy panics on limit 0
        offset = max(0, min(int(query.offset), MAX_OFFSET))
        frozen = tuple(groups)

        def work(s: _Space) -> SearchPage:
            self._fresh(s)
            searcher = s.index.searcher()
            tq = self._query(s, query, groups)
            if query.sort is Sort.NEWEST:
                result = searcher.search(
                    tq,
                    limit,
                    count=True,
                    order_by_field="ts",
                    offset=offset,
                    order=tantivy.Order.Desc,
                )
            else:
                result = searcher.search(tq, limit, count=True, offset=offset)
            hits = []
            for key, address in result.hits:
                doc = _stored(searcher.doc(address))
                score = float(key) if query.sort is Sort.RELEVANCE else 0.0
                hits.append(Hit(doc.id, score, _snippet(doc, frozen)))
            return SearchPage(hits, int(result.count or 0))

        try:
            return await self._call(space, work, write=False)
        except SearchUnavailable:
            log.exception("search failed; answering no results")
            return SearchPage([], 0)

    async def count(self, space: str, query: SearchQuery) -> int:
        groups = parse_query(query.text)
        if _hopeless(query, groups):
            return 0

        def work(s: _Space) -> int:
            self._fresh(s)
            return int(s.index.searcher().search(self._query(s, query, groups), 1).count or 0)

        try:
            return await self._call(space, work, write=False)
        except SearchUnavailable:
            log.exception("search count failed; answering 0")
            return 0

    async def ids(self, space: str, owner: int) -> set[int]:
        def work(s: _Space) -> set[int]:
            self._fresh(s, force=True)
            searcher = s.index.searcher()
            query = tantivy.Query.term_query(s.schema, "owner", int(owner))
            total = searcher.search(query, 1).count or 0
            hits = searcher.search(query, max(1, total)).hits
            return set(searcher.fast_field_values("id", [a for _, a in hits]))

        return await self._call(space, work)


def _hopeless(query: SearchQuery, groups: list[Group]) -> bool:
    """Text was given but nothing in it is searchable (only emoji, punctuation, huge words)."""
    return bool(query.text and query.text.strip() and not groups) or (
        query.labels_any is not None and not query.labels_any
    )


def _group_query(
    schema: tantivy.Schema, searcher: tantivy.Searcher, field: str, group: Group
) -> tantivy.Query:
    tokens = list(group.tokens)
    if len(tokens) == 1:
        if group.prefix:
            return _prefix_query(schema, searcher, field, tokens[0])
        return tantivy.Query.term_query(schema, field, tokens[0])
    if group.prefix:
        return tantivy.Query.phrase_prefix_query(schema, field, tokens)
    return tantivy.Query.phrase_query(schema, field, tokens)


def _prefix_query(
    schema: tantivy.Schema, searcher: tantivy.Searcher, field: str, prefix: str
) -> tantivy.Query:
    """The word itself or the most frequent words it begins (term queries intersect cheaply
    with the owner filter; a regex query would scan every document of the index)."""
    expansions = [t for t, _ in searcher.terms_with_prefix(field, prefix, limit=MAX_EXPANSIONS)]
    words = [prefix, *(t for t in expansions if t != prefix)]
    if len(words) == 1:
        return tantivy.Query.term_query(schema, field, prefix)
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, field, w)) for w in words]
    )


def _snippet(doc: SearchDoc, groups: tuple[Group, ...]) -> str:
    return best_snippet([getattr(doc, name) for name in SNIPPET_FIELDS], groups)
