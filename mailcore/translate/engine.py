"""The translation engine of one process: argostranslate on one worker thread.

One model per language pair is loaded once per process, on first use, into a
``PackageTranslation`` of argostranslate whose CTranslate2 translator we create ourselves
(one inter and ``threads`` intra-op threads, float32 compute: CTranslate2's defaults are
about 20× slower on a 2-core machine). All model work runs on the engine's single worker
thread, off the event loop. The package directory is checked (a few stats) before each
request, so a package installed with ``qiyou translate install`` is used without a restart.

Sentences are split by the package's bundled MiniSBD model when it has one; otherwise by a
small rule splitter — never by a model downloaded at run time (servers are often offline).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mailcore.translate import packages
from mailcore.translate.packages import PackageInfo

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u4e00-\u9fff])")
# Tokens per CTranslate2 batch: argos's default (32) cuts a mail into many tiny batches;
# 1024 halves the CPU time per 200-word mail (bench/translate.py) at a negligible memory cost.
BATCH_TOKENS = 1024
_ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "prof.", "e.g.", "i.e.", "etc.", "vs.", "no."}


class RuleSentencizer:
    """Sentence splitter for packages without a bundled one: ``. ! ?`` before a capital."""

    def split_sentences(self, text: str) -> list[str]:
        out: list[str] = []
        start = 0
        for m in _SENTENCE_END.finditer(text):
            words = text[start : m.start()].split()
            if words and words[-1].lower() in _ABBREVIATIONS:
                continue
            out.append(text[start : m.start()].strip())
            start = m.end()
        tail = text[start:].strip()
        if tail:
            out.append(tail)
        return [s for s in out if s]


class Engine:
    """Translate batches of plain-text units with the installed packages of ``data_dir``."""

    def __init__(self, data_dir: Path, threads: int = 1) -> None:
        self.data_dir = data_dir
        self.threads = max(1, threads)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="translate")
        self._lock = threading.Lock()
        self._seen: tuple[tuple[str, int], ...] | None = None
        self._packages: list[PackageInfo] = []
        self._loaded: dict[str, Any] = {}  # PackageInfo.model -> argos PackageTranslation
        self.load_seconds: dict[str, float] = {}

    def packages(self) -> list[PackageInfo]:
        """The installed translation packages (rescanned when the directory changed)."""
        current = packages.fingerprint(self.data_dir)
        with self._lock:
            if current != self._seen:
                self._packages = packages.list_packages(self.data_dir)
                self._seen = current
                wanted = {p.model for p in self._packages}
                for model in [m for m in self._loaded if m not in wanted]:
                    del self._loaded[model]
            return list(self._packages)

    def package_for(self, from_code: str, to_code: str) -> PackageInfo | None:
        for pkg in self.packages():
            if pkg.from_code == from_code and pkg.to_code == to_code:
                return pkg
        return None

    def targets(self, from_code: str) -> set[str]:
        return {p.to_code for p in self.packages() if p.from_code == from_code}

    # -- on the worker thread ------------------------------------------------------------

    def _load(self, pkg: PackageInfo) -> Any:
        with self._lock:
            loaded = self._loaded.get(pkg.model)
        if loaded is not None:
            return loaded
        started = time.perf_counter()
        packages.configure_argos(self.data_dir, self.threads)
        import ctranslate2
        from argostranslate import package as argos_package
        from argostranslate import translate as argos_translate

        argos_pkg = argos_package.Package(pkg.path)
        translation = argos_translate.PackageTranslation(
            argos_translate.Language(pkg.from_code, argos_pkg.from_name or pkg.from_code),
            argos_translate.Language(pkg.to_code, argos_pkg.to_name or pkg.to_code),
            argos_pkg,
        )
        translation.translator = ctranslate2.Translator(
            str(pkg.path / "model"),
            device="cpu",
            inter_threads=1,
            intra_threads=self.threads,
            compute_type="float32",
        )
        if pkg.has_splitter:
            from minisbd import SBDetect

            sentencizer = translation.sentencizer
            sentencizer.detector = SBDetect(sentencizer.lang, use_gpu=False, max_threads=1)
        else:
            translation.sentencizer = RuleSentencizer()
        translation.sentencizer.split_sentences("Warm up.")
        self.load_seconds[pkg.model] = time.perf_counter() - started
        log.info("translation model %s loaded in %.2fs", pkg.model, self.load_seconds[pkg.model])
        with self._lock:
            self._loaded[pkg.model] = translation
        return translation

    def translate_units(self, pkg: PackageInfo, units: list[str]) -> list[str]:
        """Translate each unit (a paragraph without newlines); blocking, on any thread.

        argostranslate's ``apply_packaged_translation`` for all units at once: the package's
        sentence splitter and tokenizer, then ONE ``translate_batch`` call with argos's
        decoding settings (beam size, length penalty) for every sentence of every unit,
        then each unit's tokens joined and decoded (one call per paragraph would cost a
        thread hand-off each).
        """
        from argostranslate import settings as argos_settings

        translation = self._load(pkg)
        argos_pkg = translation.pkg
        split = [translation.sentencizer.split_sentences(u) if u.strip() else [] for u in units]
        tokenized = [argos_pkg.tokenizer.encode(s) for sentences in split for s in sentences]
        if not tokenized:
            return list(units)
        prefix = argos_pkg.target_prefix
        results = translation.translator.translate_batch(
            tokenized,
            target_prefix=[[prefix]] * len(tokenized) if prefix else None,
            replace_unknowns=True,
            max_batch_size=BATCH_TOKENS,
            batch_type="tokens",
            beam_size=max(1, argos_settings.beam_size),
            num_hypotheses=1,
            length_penalty=0.2,
        )
        out: list[str] = []
        position = 0
        for unit, sentences in zip(units, split, strict=True):
            if not sentences:
                out.append(unit)
                continue
            tokens: list[str] = []
            for result in results[position : position + len(sentences)]:
                tokens.extend(result.hypotheses[0])
            position += len(sentences)
            value = argos_pkg.tokenizer.decode(tokens)
            if prefix and value.startswith(prefix):
                value = value[len(prefix) :]
            out.append(value.strip())
        return out

    def load(self, pkg: PackageInfo) -> None:
        """Load ``pkg`` now (blocking) unless it is loaded already."""
        self._load(pkg)


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(data_dir: Path, threads: int = 1) -> Engine:
    """The process-wide engine of ``data_dir`` (created on first use)."""
    key = data_dir.resolve()
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = Engine(data_dir, threads)
        return engine
