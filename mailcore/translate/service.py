"""Translate a member's message: checks, the cache table, one job per message, events.

``request()`` answers from the cache (``message_translation``, one row per message, target
language and model version) or starts — or joins — the one translation job of that message
in this process, waits up to ``translate_wait`` seconds for it, and otherwise answers
``Pending``. The job stores its result and publishes ``translation_ready`` (or
``translation_failed``) to every member waiting for it, which the ``translationReady``
subscription turns into the finished translation: clients never poll.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from mailcore.confidential.access import locked as confidential_locked
from mailcore.core.blobs import BlobStore
from mailcore.core.config import Settings
from mailcore.core.events import Bus
from mailcore.core.mime.parse import parse_message
from mailcore.core.mime.sanitize import html_to_text
from mailcore.core.models import MailboxEntry, Message, MessageTranslation
from mailcore.translate.detect import detect_language, is_cjk_text
from mailcore.translate.engine import Engine, get_engine
from mailcore.translate.errors import TranslateError, TranslateErrorCode
from mailcore.translate.packages import PackageInfo
from mailcore.translate.text import Document, prepare, split_subject, tidy

log = logging.getLogger(__name__)

TRANSLATION_READY = "translation_ready"
TRANSLATION_FAILED = "translation_failed"
SOURCE = "en"  # the language packages translate from
_TARGET_ALIASES = {"zh": "zh", "zh-cn": "zh", "zh-hans": "zh", "zh_cn": "zh", "cn": "zh"}
_LETTER = re.compile(r"[^\W\d_]")
_LANGUAGE_NAMES = {"zh": "Chinese", "ja": "Japanese", "ko": "Korean", "fr": "French"}


@dataclass
class Translated:
    entry_id: int
    row: MessageTranslation
    cached: bool  # served from the cache table, no model run for this request


@dataclass
class Pending:
    entry_id: int
    target: str
    model: str


@dataclass
class _Work:
    message: Message
    target: str
    pkg: PackageInfo
    subject_prefix: str
    subject: str
    doc: Document
    source_language: str


_jobs: dict[tuple[int, str, str], asyncio.Task[MessageTranslation]] = {}
_waiters: dict[tuple[int, str, str], set[tuple[int, int]]] = {}


def engine_for(settings: Settings) -> Engine:
    return get_engine(settings.data_dir, settings.translate_threads)


def normalize_target(to: str, engine: Engine) -> str:
    code = _TARGET_ALIASES.get(to.strip().lower(), to.strip().lower())
    if code != "zh" and code not in engine.targets(SOURCE):
        raise TranslateError(
            TranslateErrorCode.UNSUPPORTED_LANGUAGE, f"cannot translate into {to[:20]!r}", "to"
        )
    return code


async def _entry(member_id: int, entry_id: int | str) -> MailboxEntry:
    try:
        pk = int(entry_id)
    except (TypeError, ValueError):
        pk = -1
    entry = await MailboxEntry.filter(member_id=member_id, id=pk).select_related("message").first()
    if entry is None:
        raise TranslateError(TranslateErrorCode.NOT_FOUND, "no such message", "id")
    if await confidential_locked(entry):  # U17: verify first, or the translation shows it
        raise TranslateError(TranslateErrorCode.CONFIDENTIAL, "verify with a code first", "id")
    return entry


def _body(raw: bytes) -> tuple[str, str]:
    parsed = parse_message(raw)
    text = parsed.text if parsed.text.strip() else html_to_text(parsed.html or "")
    return parsed.subject, text


def _check(settings: Settings, subject: str, text: str, target: str) -> tuple[str, str, Document]:
    """(subject prefix, subject, document) when the mail is English text we can translate."""
    if len(text) > settings.translate_max_chars:
        raise TranslateError(
            TranslateErrorCode.TOO_LONG,
            f"the text is longer than {settings.translate_max_chars} characters",
        )
    doc = prepare(text)
    prefix, rest = split_subject(subject)
    if not _LETTER.search(rest) or is_cjk_text(rest):
        prefix, rest = subject, ""  # kept as it is
    language = detect_language(" ".join(doc.content()) or rest or subject)
    if not language:
        raise TranslateError(TranslateErrorCode.EMPTY, "the message has no text to translate")
    if language == target:
        name = _LANGUAGE_NAMES.get(language, language)
        raise TranslateError(TranslateErrorCode.ALREADY_CHINESE, f"the message is in {name}")
    if language != SOURCE:
        name = _LANGUAGE_NAMES.get(language, language)
        raise TranslateError(
            TranslateErrorCode.NOT_ENGLISH, f"only English mail can be translated (this is {name})"
        )
    if not doc.units() and not rest:
        raise TranslateError(TranslateErrorCode.EMPTY, "the message has no text to translate")
    return prefix, rest, doc


async def request(
    settings: Settings,
    blobs: BlobStore,
    bus: Bus,
    member_id: int,
    entry_id: int | str,
    to: str = "zh",
    wait: float | None = None,
) -> Translated | Pending:
    """The translation of the member's message ``entry_id`` into ``to``; see the module."""
    engine = engine_for(settings)
    target = normalize_target(to, engine)
    entry = await _entry(member_id, entry_id)
    pkg = engine.package_for(SOURCE, target)
    if pkg is None:
        raise TranslateError(
            TranslateErrorCode.NO_MODEL,
            f"no translation model for {SOURCE}→{target} is installed "
            "(an administrator runs: qiyou translate install FILE.argosmodel)",
        )
    row = await MessageTranslation.get_or_none(
        message_id=entry.message_id, target=target, model=pkg.model
    )
    if row is not None:
        return Translated(entry.id, row, cached=True)
    key = (entry.message_id, target, pkg.model)
    task = _jobs.get(key)
    if task is None:
        raw = await blobs.get(entry.message.sha256)
        subject, text = await asyncio.to_thread(_body, raw)
        prefix, rest, doc = _check(settings, subject, text, target)
        work = _Work(entry.message, target, pkg, prefix, rest, doc, SOURCE)
        task = asyncio.create_task(_run(engine, work, key, bus))
        task.add_done_callback(_retrieve)  # failures reach waiters as events
        _jobs[key] = task
    _waiters.setdefault(key, set()).add((member_id, entry.id))
    wait = settings.translate_wait if wait is None else wait
    if wait > 0:
        try:
            row = await asyncio.wait_for(asyncio.shield(task), wait)
        except TimeoutError:
            pass
        else:
            return Translated(entry.id, row, cached=False)
    return Pending(entry.id, target, pkg.model)


def _retrieve(task: asyncio.Task[MessageTranslation]) -> None:
    if not task.cancelled():
        task.exception()


def _translate(engine: Engine, work: _Work) -> tuple[str, str, float]:
    started = time.perf_counter()
    units = work.doc.units()
    if work.subject:
        units.append(work.subject)
    out = engine.translate_units(work.pkg, units)
    subject = work.subject_prefix  # the whole subject when it is not translated
    if work.subject:
        subject += tidy(out.pop())
    return subject, work.doc.render(out), time.perf_counter() - started


async def _run(
    engine: Engine, work: _Work, key: tuple[int, str, str], bus: Bus
) -> MessageTranslation:
    """Translate, store, and tell the members waiting on ``bus`` (ready or failed)."""
    try:
        loop = asyncio.get_running_loop()
        try:
            subject, text, seconds = await loop.run_in_executor(
                engine.executor, _translate, engine, work
            )
        except Exception as exc:
            log.exception("translation of message %s failed", work.message.id)
            raise TranslateError(
                TranslateErrorCode.FAILED, "the model could not translate this message"
            ) from exc
        try:
            row = await MessageTranslation.create(
                message_id=work.message.id,
                target=work.target,
                model=work.pkg.model,
                source_language=work.source_language,
                subject=subject,
                text=text,
                seconds=seconds,
            )
        except IntegrityError:  # another process stored the same translation first
            row = await MessageTranslation.get(
                message_id=work.message.id, target=work.target, model=work.pkg.model
            )
        for member_id, entry_id in _waiters.get(key, set()):
            await bus.publish(member_id, TRANSLATION_READY, entry_id=entry_id, target=work.target)
        return row
    except TranslateError as exc:
        for member_id, entry_id in _waiters.get(key, set()):
            await bus.publish(
                member_id,
                TRANSLATION_FAILED,
                entry_id=entry_id,
                target=work.target,
                code=exc.code.value,
                message=exc.message,
            )
        raise
    finally:
        _jobs.pop(key, None)
        _waiters.pop(key, None)
