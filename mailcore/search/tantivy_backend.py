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
    PAIRS_ANALYZER,
    Group,
    best_snippet,
    build_analyzer,
    build_pairs_analyzer,
    cjk_pairs,
    cjk_runs,
    parse_query,
    spaced,
    words,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_VERSION = 5  # a new version starts a new index directory, filled again by the indexer
WRITER_HEAP = 64 * 1024 * 1024
# Bytes of stored text compressed together (tantivy's default is 16 KB): 64 KB keeps the index
# ~5 % smaller (the pairs below cost ~7 %) for ~15 µs more per document read.
DOCSTORE_BLOCK = 64 * 1024
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
    """Filters as fast fields (read back from there, not stored twice); one ``text`` field
    holds every searchable word (one posting list per word, not five) of the ``spaced`` text;
    ``original``, stored and compressed, the text as written (``cuts`` tells where each part
    ends); ``subject``, ``sender``, ``recipients`` and ``attachments`` again for their
    filters (and ``subject`` for ranking); ``pairs`` holds every two Han/Kana characters side
    by side (documents only: no counts, no positions), so 会议 is one term to look up, not a
    phrase."""
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", indexed=True, fast=True)
    sb.add_integer_field("owner", indexed=True, fast=True)
    sb.add_integer_field("folder", indexed=True, fast=True)
    sb.add_integer_field("ts", indexed=False, fast=True)  # the date: microseconds since 1970
    for name in FLAGS:
        sb.add_boolean_field(name, indexed=True, fast=True)
    sb.add_text_field("labels", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", tokenizer_name=ANALYZER, index_option="position")
    sb.add_bytes_field("original", stored=True, indexed=False, fast=False)
    sb.add_bytes_field("cuts", stored=True, indexed=False, fast=False)
    sb.add_text_field("pairs", tokenizer_name=PAIRS_ANALYZER, index_option="basic")
    for name in FIELD_FILTERS.values():
        sb.add_text_field(name, tokenizer_name=ANALYZER, index_option="position")
    return sb.build()


FLAGS = ("unread", "flagged", "has_attachment")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _micros(value: datetime) -> int:
    """A date as microseconds since 1970 (64 bits hold any ``datetime``, year 1 to 9999)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return (value - EPOCH) // MICROSECOND


def _document(doc: SearchDoc) -> tantivy.Document:
    parts = [getattr(doc, name) for name in TEXT_FIELDS]
    text = "\n".join(parts)
    read = dict(zip(TEXT_FIELDS, map(spaced, parts), strict=True))  # what the analyzer reads
    return tantivy.Document(
        id=doc.id,
        owner=doc.owner,
        folder=doc.folder,
        ts=_micros(doc.date),
        unread=doc.unread,
        flagged=doc.flagged,
        has_attachment=doc.has_attachment,
        labels=list(doc.labels),
        text="\n".join(read.values()),
        original=text.encode(),
        cuts=",".join(str(len(part)) for part in parts[:-1]).encode(),
        pairs=cjk_runs(text),
        subject=read["subject"],
        sender=read["sender"],
        recipients=read["recipients"],
        attachments=read["attachments"],
    )


def _texts(document: tantivy.Document) -> dict[str, str]:
    """The parts of a stored document's text (TEXT_FIELDS), split where ``cuts`` says."""
    text = bytes(document.get_first("original") or b"").decode()
    cuts = bytes(document.get_first("cuts") or b"")
    parts, at = [], 0
    for length in (int(n) for n in cuts.split(b",") if n):
        parts.append(text[at : at + length])
        at += length + 1
    parts.append(text[at:])
    return dict(zip(TEXT_FIELDS, parts, strict=False))


def _stored(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> SearchDoc:
    """A whole document again: its text from the store, the rest from its fast fields."""
    document = searcher.doc(address)

    def fast(name: str) -> Any:
        return searcher.fast_field_values(name, [address])[0]

    return SearchDoc(
        id=int(fast("id")),
        owner=int(fast("owner")),
        date=EPOCH + int(fast("ts")) * MICROSECOND,
        folder=int(fast("folder")),
        labels=list(document.get_all("labels") or []),
        **{name: bool(fast(name)) for name in FLAGS},
        **_texts(document),
    )


def _create(directory: Path) -> None:
    """A new empty index, its store compressing DOCSTORE_BLOCK bytes at a time: a setting kept
    in tantivy's ``meta.json`` that the Python binding does not take, so it is written there
    before the first writer opens (an index without it works as well, with tantivy's 16 KB)."""
    tantivy.Index(build_schema(), path=str(directory))
    meta_path = directory / "meta.json"
    meta = json.loads(meta_path.read_text())
    settings = meta.get("index_settings")
    if not isinstance(settings, dict) or "docstore_blocksize" not in settings:
        return
    settings["docstore_blocksize"] = DOCSTORE_BLOCK
    tmp = directory / f".meta.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, meta_path)


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
                    _create(directory)
                index = tantivy.Index.open(str(directory))
                index.register_tokenizer(ANALYZER, build_analyzer())  # after every open
                index.register_tokenizer(PAIRS_ANALYZER, build_pairs_analyzer())
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
                doc = _stored(searcher, hits[0][1])
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
            clauses.append((must, _text_query(schema, searcher, group)))
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
                        "ts",
                        tantivy.FieldType.Integer,
                        _micros(q.since) if q.since else None,
                        _micros(q.until) if q.until else None,
                        include_lower=True,
                        include_upper=q.until is None,  # until is exclusive
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
            addresses = [address for _, address in result.hits]
            ids = searcher.fast_field_values("id", addresses) if addresses else []
            hits = []
            for (key, address), doc_id in zip(result.hits, ids, strict=True):
                texts = _texts(searcher.doc(address))
                score = float(key) if query.sort is Sort.RELEVANCE else 0.0
                hits.append(Hit(int(doc_id), score, _snippet(texts, frozen)))
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


def _text_query(schema: tantivy.Schema, searcher: tantivy.Searcher, group: Group) -> tantivy.Query:
    """A group in the text: two Han/Kana characters are their pair's term; a longer group is
    its phrase, with each of its pairs required too (a cheap term to intersect first)."""
    pairs = cjk_pairs(group)
    if len(group.tokens) == 2 and pairs:
        return tantivy.Query.term_query(schema, "pairs", pairs[0])
    phrase = _group_query(schema, searcher, "text", group)
    if not pairs:
        return phrase
    terms = [(tantivy.Occur.Must, tantivy.Query.term_query(schema, "pairs", p)) for p in pairs]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, phrase), *terms])


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


def _snippet(texts: dict[str, str], groups: tuple[Group, ...]) -> str:
    return best_snippet([texts.get(name, "") for name in SNIPPET_FIELDS], groups)
