"""Tokens for mixed Chinese/Japanese/English text, query parsing and highlighted snippets.

Han and Kana are indexed one character per token, every other script in words (runs of
letters and digits: anything else, ``_`` too, separates words), all lower-cased. Text is
*spaced* first (a space on each side of every Han/Kana character), then split by tantivy's
simple tokenizer: half the CPU of one regex tokenizer doing both, which made indexing cost
twice as much. A query is split into *groups* that must all match: a run of characters
without white space (会议室, alice@example.com, "a quoted phrase") is one group matched as a
phrase, so 会议 finds 会议室 and 开会议; the last word typed also matches as a prefix. The
same analyzer (tantivy's, built here) tokenizes documents and queries.

Every pair of Han/Kana characters side by side in the text is indexed once more, as one
term (``pairs``): a two-character word such as 会议 is then one term to look up instead of
a phrase of two very common characters, and a longer run must contain each of its pairs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import tantivy

ANALYZER = "qiyou_cjk"
PAIRS_ANALYZER = "qiyou_cjk_pairs"
MAX_TOKEN = 40  # longer "words" (base64, hashes) are not indexed
MAX_QUERY_CHARS = 1000
MAX_GROUPS = 12
MAX_GROUP_TOKENS = 24
MIN_PREFIX = 2

_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_CHAR = re.compile(f"[{_CJK_RANGES}]")
_CJK_SPAN = re.compile(f"[{_CJK_RANGES}]+")


def build_analyzer() -> tantivy.TextAnalyzer:
    """Words of ``spaced`` text: runs of letters and digits (Rust's ``is_alphanumeric``)."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN + 1))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def build_pairs_analyzer() -> tantivy.TextAnalyzer:
    """Every two characters of a value (the values are runs of Han/Kana, see ``cjk_runs``)."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(2, 2, False)).build()


@lru_cache(maxsize=1)
def analyzer() -> tantivy.TextAnalyzer:
    return build_analyzer()


def is_cjk(token: str) -> bool:
    return len(token) == 1 and _CJK_CHAR.match(token) is not None


_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


# Han/Kana characters with nothing but punctuation and white space between them: tokens side
# by side, as a phrase query sees them (so a word broken over two lines is still a pair).
# Python's \W also holds the combining marks Rust counts as letters (a Thai vowel sign): one
# between two Han characters makes a pair here where a phrase would see a word between them.
_CJK_RUN = re.compile(f"[{_CJK_RANGES}][{_CJK_RANGES}\\W_]*[{_CJK_RANGES}]")
_NOT_WORD = re.compile(r"[\W_]+")


def _spread(match: re.Match[str]) -> str:
    return " " + " ".join(match.group()) + " "


def spaced(text: str) -> str:
    """The text as the analyzer must read it: a space on each side of every Han/Kana
    character, so each is a token (its place among the words is kept: 会议室 stays a phrase)."""
    return _CJK_SPAN.sub(_spread, text)


def cjk_runs(text: str) -> list[str]:
    """The runs of two or more Han/Kana tokens of a text, without what stands between them:
    the values of the ``pairs`` field, whose analyzer indexes every two side by side."""
    return [_NOT_WORD.sub("", run) for run in _CJK_RUN.findall(text)]


def clean(text: str) -> str:
    """Control and format characters (NUL, bidi overrides, lone surrogates ...) become spaces."""
    return _CONTROL.sub(" ", text)


def tokens(text: str) -> list[tantivy.Token]:
    """The index's tokens of a text (their offsets are in ``spaced(text)``, not in ``text``)."""
    try:
        return list(analyzer().pre_tokenize(spaced(text)).tokens)
    except BaseException as exc:  # noqa: BLE001 - a Rust panic is a BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return []


@dataclass(frozen=True)
class Group:
    """Tokens that must appear in this order, side by side; ``prefix``: the last one may go on."""

    tokens: tuple[str, ...]
    prefix: bool = False


def cjk_pairs(group: Group) -> list[str]:
    """The pairs of Han/Kana tokens side by side in a group (会议室: 会议, 议室), each once."""
    found = [a + b for a, b in pairwise(group.tokens) if is_cjk(a) and is_cjk(b)]
    return list(dict.fromkeys(found))


def parse_query(text: str) -> list[Group]:
    """Split what a user typed into groups; never raises, whatever the input."""
    text = clean(text or "")[:MAX_QUERY_CHARS]
    groups: list[Group] = []
    parts = text.split('"')
    for i, part in enumerate(parts):
        quoted = i % 2 == 1
        if quoted:
            words = tuple(t.text for t in tokens(part))[:MAX_GROUP_TOKENS]
            if words:
                groups.append(Group(words))
            continue
        current: list[str] = []
        for chunk in part.split():  # the tokens of a run without white space are one group
            if current:
                groups.append(Group(tuple(current[:MAX_GROUP_TOKENS])))
            current = [t.text for t in tokens(chunk)]
        if current:
            last = current[-1]
            prefix = (  # the word being typed
                i == len(parts) - 1
                and not part[-1:].isspace()
                and not is_cjk(last)
                and len(last) >= MIN_PREFIX
                and len(current) <= MAX_GROUP_TOKENS
            )
            groups.append(Group(tuple(current[:MAX_GROUP_TOKENS]), prefix))
    unique = list(dict.fromkeys(groups))
    return unique[:MAX_GROUPS]


def words(text: str) -> list[str]:
    """The lower-cased tokens of a text (for filters matched token by token)."""
    return [t.text for t in tokens(clean(text or "")[:MAX_QUERY_CHARS])][:MAX_GROUP_TOKENS]


# Highlighting -------------------------------------------------------------------------------

SNIPPET_CHARS = 160
MAX_SCAN = 200_000  # characters of a field looked at for a match
_BEFORE = 50


def _is_word(char: str) -> bool:
    """A letter/digit of a word-based script (Han and Kana characters are tokens by themselves)."""
    return char.isalnum() and _CJK_CHAR.match(char) is None


def _group_pattern(group: Group) -> str:
    parts = []
    for n, token in enumerate(group.tokens):
        if n:
            both_words = not is_cjk(token) and not is_cjk(group.tokens[n - 1])
            parts.append(r"[\W_]{1,8}?" if both_words else r"[\W_]{0,8}?")
        parts.append(f"(?i:{re.escape(token)})")  # case-blind words, no big classes to compile
    return "".join(parts)


class Matcher:
    """Finds where query groups occur in a text, with the word boundaries of the index: a
    non-CJK token neither starts nor ends inside a word (except the prefix being typed)."""

    def __init__(self, groups: tuple[Group, ...]) -> None:
        ordered = sorted(groups, key=lambda g: len(_group_pattern(g)), reverse=True)
        self.groups = ordered
        self.pattern = re.compile("|".join(f"({_group_pattern(g)})" for g in ordered))

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> tuple[int, int] | None:
        end_at = len(text) if endpos is None else min(endpos, len(text))
        while pos < end_at:
            match = self.pattern.search(text, pos, end_at)
            if match is None:
                return None
            group = self.groups[(match.lastindex or 1) - 1]
            span = self._bounded(text, match.start(), match.end(), group)
            if span is not None:
                return span
            pos = match.start() + 1
        return None

    def finditer(self, text: str) -> list[tuple[int, int]]:
        spans, pos = [], 0
        while (span := self.search(text, pos)) is not None:
            if span[1] > span[0]:
                spans.append(span)
            pos = max(span[1], span[0] + 1)
        return spans

    @staticmethod
    def _bounded(text: str, start: int, end: int, group: Group) -> tuple[int, int] | None:
        first, last = group.tokens[0], group.tokens[-1]
        if not is_cjk(first) and start > 0 and _is_word(text[start - 1]):
            return None
        if not is_cjk(last):
            if group.prefix:
                while end < len(text) and _is_word(text[end]):
                    end += 1
            elif end < len(text) and _is_word(text[end]):
                return None
        return start, end


@lru_cache(maxsize=256)
def _matcher(groups: tuple[Group, ...]) -> Matcher | None:
    return Matcher(groups) if groups else None


def has_match(text: str, groups: tuple[Group, ...]) -> bool:
    matcher = _matcher(groups)
    return bool(matcher and text and matcher.search(text, 0, MAX_SCAN))


def snippet(text: str, groups: tuple[Group, ...], size: int = SNIPPET_CHARS) -> str:
    """Escaped HTML: a window of ``text`` around its first match, every match in <mark>.

    Only the window is cleaned and escaped, so the cost does not grow with the text."""
    text = text or ""
    matcher = _matcher(groups)
    first = matcher.search(text, 0, MAX_SCAN) if matcher else None
    return _around(text, matcher, first, size)


def best_snippet(texts: list[str], groups: tuple[Group, ...], size: int = SNIPPET_CHARS) -> str:
    """The snippet of the text matching the most query groups (the first such text on a tie),
    or the start of the first non-empty text when nothing matches."""
    matcher = _matcher(groups)
    best: tuple[int, str, tuple[int, int]] | None = None
    if matcher is not None:
        for text in texts:
            first = matcher.search(text, 0, MAX_SCAN) if text else None
            if first is None:
                continue
            found = sum(
                1 for g in groups if len(groups) == 1 or _matcher((g,)).search(text, 0, MAX_SCAN)
            )
            if best is None or found > best[0]:
                best = (found, text, first)
            if found == len(groups):
                break
    if best is not None:
        return _around(best[1], matcher, best[2], size)
    return _around(next((t for t in texts if t), ""), None, None, size)


def _around(text: str, matcher: Matcher | None, first: tuple[int, int] | None, size: int) -> str:
    if matcher is None or first is None:
        window = _tidy(text[: size * 2])
        more = len(window) > size or len(text) > size * 2
        return html.escape(window[:size]) + ("…" if more else "")
    begin = max(0, first[0] - _BEFORE * 2)
    window = _tidy(text[begin : first[0] + size * 2])
    at = matcher.search(window)
    anchor = at[0] if at else 0
    start = max(0, anchor - _BEFORE)
    if start:
        space = window.find(" ", start, min(anchor, start + 12))
        start = space + 1 if space >= 0 else start
    end = min(len(window), start + size)
    part = window[start:end]
    out = ["…" if start or begin else ""]
    pos = 0
    for left, right in matcher.finditer(part):
        out.append(html.escape(part[pos:left]))
        out.append(f"<mark>{html.escape(part[left:right])}</mark>")
        pos = right
    out.append(html.escape(part[pos:]))
    if end < len(window) or first[0] + size * 2 < len(text):
        out.append("…")
    return "".join(out)


def _tidy(text: str) -> str:
    """Control characters out, runs of white space as one space."""
    return " ".join(_CONTROL.sub(" ", text).split())
