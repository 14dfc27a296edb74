"""Showing a stored message without stalling the server: ``await parse_blob(sha256, load)``
and ``await display_html(html, text)``, the one entry point for untrusted HTML.

Why: nh3 (html5ever) on a hostile mail can take seconds, the Python parts (parsing a large
mail, its text version, the depth pre-pass) hold the GIL, and a mail is opened again and
again. So:

- HTML is sanitized once per distinct HTML (key: SHA-256 of its text, the same for every
  copy of a blob's part, and for notices and signatures too): concurrent callers share one
  computation and the result is kept in an LRU cache bounded in bytes (per process; a
  restart sanitizes again);
- HTML over ``max_chars`` is not parsed at all: the text version is shown;
- small HTML (up to ``INLINE_CHARS``) is sanitized in a thread of this process (nh3 releases
  the GIL, and the depth pre-pass costs milliseconds at that size); larger HTML goes to a
  child process (``mailcore.core.mime.worker``), because the Python pre-pass holds the GIL and
  three of them in threads delayed the event loop by up to 0.3 s;
- a child that needs more than ``budget`` seconds is killed and the text version is shown
  (and remembered); the same happens when the result grows too large (``max_output``);
- mail over ``PARSE_INLINE_BYTES`` is parsed by a child too, once for concurrent readers,
  and the result kept (LRU, same byte bound).

The text version is the message's plain text, escaped, in a ``<div class="qiyou-text">``.
"""

from __future__ import annotations

import asyncio
import hashlib
import html as htmllib
import pickle
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from mailcore.core.mime import worker as protocol
from mailcore.core.mime.parse import parse_message
from mailcore.core.mime.sanitize import bounded_sanitize, html_to_text
from mailcore.core.mime.types import ParsedMessage

INLINE_CHARS = 32 * 1024
PARSE_INLINE_BYTES = 256 * 1024  # smaller mail is parsed in a thread, each time it is asked
MB = 1024 * 1024


def text_version(text: str) -> str:
    """Plain text as display HTML: escaped, line breaks kept by the style."""
    return f'<div class="qiyou-text" style="white-space: pre-wrap">{htmllib.escape(text)}</div>'


class _Worker:
    """One ``mailcore.core.mime.worker`` child, used by one thread at a time."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailcore.core.mime.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def run(self, request: bytes) -> bytes | None:
        """The result of ``request`` (see the worker's protocol), None for "too large"."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        protocol.write_frame(self.proc.stdin, request)
        answer = protocol.read_frame(self.proc.stdout)
        if answer is None:
            raise ChildProcessError("the MIME worker process ended")
        return answer[1:] if answer[:1] == b"+" else None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


@dataclass
class _Job:
    request: bytes
    worker: _Worker | None = None  # set once a child runs it
    killed: bool = False


class _Children:
    """At most ``size`` children, one per thread of a private pool, started on first use."""

    def __init__(self, size: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="mime-worker")
        self.local = threading.local()
        self.lock = threading.Lock()
        self.started: list[_Worker] = []

    def run(self, job: _Job) -> bytes | None:
        worker: _Worker | None = getattr(self.local, "worker", None)
        if worker is None or worker.proc.poll() is not None:
            worker = self.local.worker = _Worker()
            with self.lock:
                self.started = [w for w in self.started if w.proc.poll() is None] + [worker]
        with self.lock:
            if job.killed:
                raise TimeoutError("over the time budget before it started")
            job.worker = worker
        try:
            return worker.run(job.request)
        except (OSError, ChildProcessError):
            self.local.worker = None
            worker.kill()
            raise

    def kill(self, job: _Job) -> bool:
        """Stop ``job``; True when a child had started on it."""
        with self.lock:
            job.killed = True
            if job.worker is not None:
                job.worker.kill()
            return job.worker is not None

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        with self.lock:
            for worker in self.started:
                worker.kill()
            self.started = []


class HtmlDisplay:
    """Sanitized HTML for display, bounded in time, size and memory (see the module doc)."""

    def __init__(
        self,
        budget: float = 3.0,
        max_chars: int = 4 * MB,
        cache_bytes: int = 32 * MB,
        workers: int = 2,
    ) -> None:
        self.budget = budget
        self.max_chars = max_chars
        self.cache_bytes = cache_bytes
        self.workers = max(1, workers)
        self.children = _Children(self.workers)
        self.cache: OrderedDict[bytes, str] = OrderedDict()
        self.cached_bytes = 0
        self.running: dict[bytes, asyncio.Future[str]] = {}
        self.parsed: OrderedDict[str, tuple[ParsedMessage, int]] = OrderedDict()
        self.parsed_bytes = 0
        self.parsing: dict[str, asyncio.Future[ParsedMessage]] = {}
        self.computed = 0  # distinct HTML sanitized (or given up on) by this display
        self.fallbacks = 0  # of which answered with the text version

    def close(self) -> None:
        """Stop the children (they also end by themselves when this process does)."""
        self.children.close()

    async def show(self, html: str, text: str | None = None) -> str:
        if not html:
            return ""
        key = hashlib.sha256(html.encode("utf-8", "surrogatepass")).digest()
        found = self.cache.get(key)
        if found is not None:
            self.cache.move_to_end(key)
            return found
        running = self.running.get(key)
        if running is None or running.get_loop() is not asyncio.get_running_loop():
            running = asyncio.ensure_future(self._compute(key, html, text))
            self.running[key] = running
            running.add_done_callback(lambda _: self.running.pop(key, None))
        return await asyncio.shield(running)

    async def _compute(self, key: bytes, html: str, text: str | None) -> str:
        clean: str | None = None
        final = True  # False: the answer says nothing about this HTML, do not remember it
        self.computed += 1
        if len(html) <= INLINE_CHARS:
            clean = await asyncio.to_thread(bounded_sanitize, html)
        elif len(html) <= self.max_chars:
            clean, final = await self._in_child(html)
        if clean is None:
            self.fallbacks += 1
            if text is None:
                text = await asyncio.to_thread(html_to_text, html)
            clean = text_version(text)
        if final:
            self._remember(key, clean)
        return clean

    async def _in_child(self, html: str) -> tuple[str | None, bool]:
        """(sanitized HTML or None, whether that answer is final for this HTML)."""
        job = _Job(protocol.HTML + html.encode("utf-8", "surrogatepass"))
        task = asyncio.get_running_loop().run_in_executor(
            self.children.pool, self.children.run, job
        )
        try:
            clean = await asyncio.wait_for(task, self.budget)
            return (None if clean is None else clean.decode("utf-8", "surrogatepass")), True
        except TimeoutError:
            return None, self.children.kill(job)  # waiting in the queue is not its fault
        except (OSError, ChildProcessError):
            self.children.kill(job)
            return None, False

    async def parse(self, key: str, load: Callable[[], Awaitable[bytes]]) -> ParsedMessage:
        """The parsed message of blob ``key`` (``load`` reads it). Large mail is parsed once
        by a child (its text version of big HTML is seconds of Python) for all concurrent
        callers and kept, LRU by size; small mail is parsed in a thread each time."""
        found = self.parsed.get(key)
        if found is not None:
            self.parsed.move_to_end(key)
            return found[0]
        running = self.parsing.get(key)
        if running is None or running.get_loop() is not asyncio.get_running_loop():
            running = asyncio.ensure_future(self._parse(key, load))
            self.parsing[key] = running
            running.add_done_callback(lambda _: self.parsing.pop(key, None))
        return await asyncio.shield(running)

    async def _parse(self, key: str, load: Callable[[], Awaitable[bytes]]) -> ParsedMessage:
        raw = await load()
        if len(raw) <= PARSE_INLINE_BYTES:
            return await asyncio.to_thread(parse_message, raw)
        job = _Job(protocol.PARSE + raw)
        try:
            data = await asyncio.get_running_loop().run_in_executor(
                self.children.pool, self.children.run, job
            )
            parsed: ParsedMessage = pickle.loads(data or b"")  # from our own child
        except (OSError, ChildProcessError, pickle.UnpicklingError, EOFError):
            parsed = await asyncio.to_thread(parse_message, raw)
        size = 2 * len(raw)  # its text and HTML
        if size <= self.cache_bytes:
            self.parsed[key] = (parsed, size)
            self.parsed_bytes += size
            while self.parsed_bytes > self.cache_bytes:
                _, (_, old) = self.parsed.popitem(last=False)
                self.parsed_bytes -= old
        return parsed

    def _remember(self, key: bytes, clean: str) -> None:
        size = len(clean) + 100
        if size > self.cache_bytes:
            return
        self.cache[key] = clean
        self.cached_bytes += size
        while self.cached_bytes > self.cache_bytes:
            _, old = self.cache.popitem(last=False)
            self.cached_bytes -= len(old) + 100


_display = HtmlDisplay()


def configure(budget: float, max_chars: int, cache_bytes: int, workers: int) -> None:
    """Use these limits for the process-wide display (called by the runtime)."""
    global _display
    old = _display
    limits = (budget, max_chars, cache_bytes, max(1, workers))
    if limits == (old.budget, old.max_chars, old.cache_bytes, old.workers):
        return
    _display = HtmlDisplay(*limits)
    old.close()


def current() -> HtmlDisplay:
    return _display


async def parse_blob(key: str, load: Callable[[], Awaitable[bytes]]) -> ParsedMessage:
    """The parsed message stored under blob ``key``, parsed off the event loop (see
    ``HtmlDisplay.parse``); ``load`` reads the blob when it has to be parsed."""
    return await _display.parse(key, load)


async def display_html(html: str, text: str | None = None) -> str:
    """``html`` sanitized for display, or the text version (``text``, else derived from the
    HTML) when it is too large, too slow or grows too much; "" for no HTML."""
    return await _display.show(html, text)
