"""The Meilisearch backend (official client) for deployments that outgrow one machine.

One Meilisearch index per space, named ``<prefix><space>``. Text is sent twice: as written
(shown and highlighted) and as our own tokens joined by spaces (``t_*``, the only searchable
attributes), so that Chinese matches character by character exactly as in the embedded
backend. Every search carries ``owner = N`` in its filter: tenant isolation does not depend
on the caller. The client is synchronous: every call runs in a worker thread, and writes wait
for their Meilisearch task so that the indexer only forgets work Meilisearch has done.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import meilisearch
from meilisearch.errors import MeilisearchError

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
from mailcore.search.tokens import Group, best_snippet, parse_query, tokens, words

log = logging.getLogger(__name__)
T = TypeVar("T")

LAYOUT = 2  # a new layout starts new indexes (``<prefix><space>_v2``), filled by the indexer
MAX_TERMS_TEXT = 20_000  # characters of attachment text whose words become filter terms
TASK_TIMEOUT_MS = 60_000
BATCH = 1000
FILTERABLE = [
    "id",
    "owner",
    "folder",
    "date",
    "unread",
    "flagged",
    "has_attachment",
    "labels",
    "sender_terms",
    "recipient_terms",
    "subject_terms",
    "attachment_terms",
]
SNIPPET_FIELDS = ("body", "subject", "attachments", "sender", "recipients")
SETTINGS: dict[str, Any] = {
    "searchableAttributes": [f"t_{name}" for name in TEXT_FIELDS],
    "displayedAttributes": ["id", "owner", "date", *TEXT_FIELDS],
    "filterableAttributes": FILTERABLE,
    "sortableAttributes": ["date"],
    # "sort" first: a NEWEST search is by date; without a sort it is a no-op.
    "rankingRules": ["sort", "words", "proximity", "attribute", "exactness"],
    "typoTolerance": {"enabled": False},
    "stopWords": [],
    "pagination": {"maxTotalHits": MAX_OFFSET + MAX_LIMIT},
}


def _joined(text: str) -> str:
    return " ".join(t.text for t in tokens(text))


def _timestamp(value: datetime) -> int:
    """Microseconds since the epoch (seconds would leave mail of one second unordered)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return int(value.timestamp() * 1_000_000)


def to_document(doc: SearchDoc) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": doc.id,
        "owner": doc.owner,
        "date": _timestamp(doc.date),
        "folder": doc.folder,
        "unread": doc.unread,
        "flagged": doc.flagged,
        "has_attachment": doc.has_attachment,
        "labels": list(doc.labels),
        "sender_terms": sorted(set(words(doc.sender))),
        "recipient_terms": sorted({t.text for t in tokens(doc.recipients)}),
        "subject_terms": sorted(set(words(doc.subject))),
        "attachment_terms": sorted({t.text for t in tokens(doc.attachments[:MAX_TERMS_TEXT])}),
    }
    for name in TEXT_FIELDS:
        text = getattr(doc, name)
        out[name] = text
        out[f"t_{name}"] = _joined(text)
    return out


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def build_filter(q: SearchQuery) -> list[str]:
    parts = [f"owner = {int(q.owner)}"]
    if q.folder is not None:
        parts.append(f"folder = {int(q.folder)}")
    for folder in q.exclude_folders:
        parts.append(f"folder != {int(folder)}")
    for attribute, value in (
        ("sender_terms", q.sender),
        ("recipient_terms", q.recipient),
        ("subject_terms", q.subject),
        ("attachment_terms", q.attachment),
    ):
        if value is not None:
            parts.extend(f"{attribute} = {_literal(t)}" for t in words(value))
    if q.since is not None:
        parts.append(f"date >= {_timestamp(q.since)}")
    if q.until is not None:
        parts.append(f"date < {_timestamp(q.until)}")
    for attribute, flag in (
        ("has_attachment", q.has_attachment),
        ("unread", q.unread),
        ("flagged", q.flagged),
    ):
        if flag is not None:
            parts.append(f"{attribute} = {_literal(bool(flag))}")
    if q.labels_any:
        parts.append("labels IN [" + ", ".join(_literal(x) for x in q.labels_any) + "]")
    return parts


def query_text(groups: list[Group]) -> str:
    """Our groups as Meilisearch query words: multi-token groups become quoted phrases."""
    out = []
    for group in groups:
        joined = " ".join(group.tokens)
        out.append(joined if len(group.tokens) == 1 else f'"{joined}"')
    if groups and groups[-1].prefix and len(groups[-1].tokens) > 1:
        # Meilisearch matches only the last unquoted word as a prefix: leave the phrase open.
        last = groups[-1].tokens
        out[-1] = f'"{" ".join(last[:-1])}" {last[-1]}'
    return " ".join(out)


class MeiliBackend(SearchBackend):
    name = "meilisearch"

    def __init__(self, url: str, api_key: str | None = None, prefix: str = "qiyou_") -> None:
        self.client = meilisearch.Client(url, api_key or None, timeout=30)
        self.prefix = prefix
        self._ready: set[str] = set()
        self._created: set[str] = set()

    async def open(self) -> None:
        await self._run(lambda: self.client.health())

    async def close(self) -> None:
        return None

    async def was_created(self, space: str) -> bool:
        await self._run(lambda: self._index(space))
        return space in self._created

    async def _run(self, work: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(work)
        except MeilisearchError as exc:
            raise SearchUnavailable(f"meilisearch: {exc}") from None
        except OSError as exc:
            raise SearchUnavailable(f"meilisearch: {exc}") from None

    def _wait(self, task: Any) -> None:
        done = self.client.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
        if done.status != "succeeded":
            raise SearchUnavailable(f"meilisearch task {done.uid}: {done.status} {done.error}")

    def _index(self, space: str) -> Any:
        uid = f"{self.prefix}{space}_v{LAYOUT}"
        if space not in self._ready:
            try:
                self._wait(self.client.create_index(uid, {"primaryKey": "id"}))
                self._created.add(space)
            except SearchUnavailable as exc:
                if "index_already_exists" not in str(exc):
                    raise
            self._wait(self.client.index(uid).update_settings(dict(SETTINGS)))
            self._ready.add(space)
        return self.client.index(uid)

    async def upsert(self, space: str, docs: list[SearchDoc]) -> None:
        def work() -> None:
            index = self._index(space)
            for start in range(0, len(docs), BATCH):
                chunk = [to_document(d) for d in docs[start : start + BATCH]]
                self._wait(index.add_documents(chunk, primary_key="id"))

        if docs:
            await self._run(work)

    async def update(self, space: str, changes: dict[int, dict[str, object]]) -> list[int]:
        def work() -> list[int]:
            index = self._index(space)
            wanted = [int(i) for i in changes]
            have = self._existing(index, wanted)
            updates = [
                {"id": i, **{k: v for k, v in changes[i].items() if k in MUTABLE_FIELDS}}
                for i in wanted
                if i in have
            ]
            if updates:
                self._wait(index.update_documents(updates, primary_key="id"))
            return [i for i in wanted if i not in have]

        if not changes:
            return []
        return await self._run(work)

    def _existing(self, index: Any, ids: list[int]) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            result = index.get_documents(
                {
                    "filter": f"id IN [{', '.join(map(str, chunk))}]",
                    "fields": ["id"],
                    "limit": len(chunk),
                }
            )
            found.update(int(_field(d, "id")) for d in result.results)
        return found

    async def delete(self, space: str, ids: list[int]) -> None:
        if ids:
            await self._run(
                lambda: self._wait(self._index(space).delete_documents([int(i) for i in ids]))
            )

    async def clear(self, space: str) -> None:
        await self._run(lambda: self._wait(self._index(space).delete_all_documents()))

    def _params(self, q: SearchQuery, limit: int, offset: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "filter": build_filter(q),
            "limit": limit,
            "offset": offset,
            "matchingStrategy": "all",
            "attributesToRetrieve": ["id", *TEXT_FIELDS],
        }
        if q.sort is Sort.NEWEST:
            params["sort"] = ["date:desc"]
        else:
            params["showRankingScore"] = True
        return params

    async def search(self, space: str, query: SearchQuery) -> SearchPage:
        groups = parse_query(query.text)
        if (query.text.strip() and not groups) or query.labels_any == ():
            return SearchPage([], 0)
        limit = max(1, min(int(query.limit), MAX_LIMIT))
        offset = max(0, min(int(query.offset), MAX_OFFSET))
        frozen = tuple(groups)

        def work() -> SearchPage:
            found = self._index(space).search(
                query_text(groups), self._params(query, limit, offset)
            )
            hits = [
                Hit(int(h["id"]), float(h.get("_rankingScore") or 0.0), _snippet(h, frozen))
                for h in found.get("hits", [])
            ]
            return SearchPage(hits, int(found.get("estimatedTotalHits") or len(hits)))

        try:
            return await self._run(work)
        except SearchUnavailable:
            log.exception("search failed; answering no results")
            return SearchPage([], 0)

    async def count(self, space: str, query: SearchQuery) -> int:
        groups = parse_query(query.text)
        if (query.text.strip() and not groups) or query.labels_any == ():
            return 0

        def work() -> int:
            params = self._params(query, 0, 0)
            found = self._index(space).search(query_text(groups), params)
            return int(found.get("estimatedTotalHits") or 0)

        try:
            return await self._run(work)
        except SearchUnavailable:
            log.exception("search count failed; answering 0")
            return 0

    async def ids(self, space: str, owner: int) -> set[int]:
        def work() -> set[int]:
            index = self._index(space)
            out: set[int] = set()
            offset = 0
            while True:
                page = index.get_documents(
                    {
                        "filter": f"owner = {int(owner)}",
                        "fields": ["id"],
                        "limit": BATCH,
                        "offset": offset,
                    }
                )
                out.update(int(_field(d, "id")) for d in page.results)
                if len(page.results) < BATCH:
                    return out
                offset += BATCH

        return await self._run(work)


def _field(document: Any, name: str) -> Any:
    return document[name] if isinstance(document, dict) else getattr(document, name)


def _snippet(hit: dict[str, Any], groups: tuple[Group, ...]) -> str:
    return best_snippet([str(hit.get(name) or "") for name in SNIPPET_FIELDS], groups)
