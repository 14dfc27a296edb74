"""Mail text cut into the pieces a translation model sees, and put back with its layout.

Paragraphs (blank-line separated) stay paragraphs; hard-wrapped lines of one paragraph are
joined into one unit so the model sees whole sentences; list bullets, ``Re:`` prefixes,
quoted lines (``> …``), lines without letters and lines already in Chinese are kept as they
are. Pure functions, no model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mailcore.translate.detect import is_cjk_text

_BULLET = re.compile(r"^(\s*(?:[-*•·+]|\d{1,3}[.)]|[a-zA-Z][.)])\s+)")
_SUBJECT_PREFIX = re.compile(r"^((?:\s*(?:re|fw|fwd|aw|回复|转发)\s*[:：]\s*)+)", re.I)
_LETTER = re.compile(r"[^\W\d_]")
_WRAP_WIDTH = 60  # a line at least this long, followed by more text, is a wrapped line
_CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={_CJK})[ \t]+(?={_CJK})|(?<=[\u3000-\u303f\uff00-\uffef])[ \t]+")


@dataclass
class Line:
    """One output line: ``prefix`` + (the translation of) ``text``."""

    text: str
    translate: bool
    prefix: str = ""
    content: bool = True  # has letters and is not quoted (what the language is judged on)


@dataclass
class Document:
    paragraphs: list[list[Line]] = field(default_factory=list)

    def units(self) -> list[str]:
        """The texts to translate, in order."""
        return [line.text for para in self.paragraphs for line in para if line.translate]

    def content(self) -> list[str]:
        """The lines with words of the mail itself (translated or kept), not quotes."""
        return [line.text for para in self.paragraphs for line in para if line.content]

    def render(self, translated: Sequence[str]) -> str:
        """The document with each unit replaced by its translation (same order as units())."""
        it = iter(translated)
        out = []
        for para in self.paragraphs:
            lines = []
            for line in para:
                body = tidy(next(it)) if line.translate else line.text
                lines.append(line.prefix + body)
            out.append("\n".join(lines))
        return "\n\n".join(out)


def _line(text: str) -> Line:
    if text.lstrip().startswith(">") or not _LETTER.search(text):
        return Line(text, translate=False, content=False)
    bullet = _BULLET.match(text)
    prefix = bullet.group(1) if bullet else ""
    body = text[len(prefix) :].strip()
    if is_cjk_text(body):
        return Line(text, translate=False)
    return Line(body, translate=True, prefix=prefix)


def prepare(text: str) -> Document:
    """Cut mail text into paragraphs of lines, joining hard-wrapped lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    doc = Document()
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        raw = [ln.rstrip() for ln in block.split("\n") if ln.strip()]
        if not raw:
            continue
        merged: list[str] = []
        for ln in raw:
            prev = merged[-1] if merged else None
            if (
                prev is not None
                and len(prev) >= _WRAP_WIDTH
                and not _BULLET.match(ln)
                and not ln.lstrip().startswith(">")
                and not prev.lstrip().startswith(">")
            ):
                merged[-1] = f"{prev} {ln.strip()}"
            else:
                merged.append(ln)
        doc.paragraphs.append([_line(ln) for ln in merged])
    return doc


def split_subject(subject: str) -> tuple[str, str]:
    """(``Re: `` / ``Fwd: `` prefixes, the rest)."""
    m = _SUBJECT_PREFIX.match(subject)
    prefix = m.group(1) if m else ""
    return prefix, subject[len(prefix) :].strip()


def tidy(text: str) -> str:
    """Drop the spaces a model leaves between Chinese characters and punctuation."""
    return _CJK_GAP.sub("", text.strip())


def translate_document(text: str, translate: Callable[[list[str]], list[str]]) -> str:
    """``text`` with every translatable unit passed through ``translate`` (a batch call)."""
    doc = prepare(text)
    return doc.render(translate(doc.units()))
