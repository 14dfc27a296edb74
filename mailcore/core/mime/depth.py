"""A linear pre-pass that flattens hostile nesting in mail HTML before it reaches nh3.

html5ever (inside nh3) scans the stack of open elements for every block start tag, and
re-opens every unclosed formatting element (``<b id=1>`` ... ``<b id=k>``) at each text run
after a ``</p>``: 100,000 nested ``<div>`` take 30 s, a 90 KB mail of unclosed ``<b>`` and
``<p>x</p>`` takes 12 s and grows to 70 MB. This pass walks the tags once, keeps a rough
model of the open elements (implied closes of ``p``, ``li``, table cells ... included) and
drops the start tags that would go deeper than ``max_depth``, or open more than
``max_formatting`` formatting elements, together with their end tags. HTML that stays within
both limits is returned unchanged (the same object), so ordinary mail is not touched. The
model needs not match a browser: nh3 still sanitizes whatever this pass returns.
"""

from __future__ import annotations

import re
from bisect import bisect_right

MAX_DEPTH = 100
MAX_FORMATTING = 12

_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta "
    "param source track wbr".split()
)
# Raw text for html5ever whatever its options (not <noscript>: counting its tags is the safe
# side, since skipping what the parser reads as markup would hide nesting from this pass).
_RAW = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())
# Start tags that close an open <p> (html5ever: "close a p element in button scope").
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form header hgroup main menu nav ol p search section summary ul "
    "h1 h2 h3 h4 h5 h6 pre listing table hr li dd dt".split()
)
_P_SCOPE = frozenset("table td th caption button applet marquee object template html".split())
# Formatting elements opened inside these are forgotten when they close (list markers).
_MARKERS = frozenset("td th caption applet marquee object template".split())
_ROWS = frozenset({"tbody", "thead", "tfoot", "tr", "td", "th"})
# Elements a start tag closes implicitly, and the elements that stop the search for them.
_IMPLIED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "menu", "dir"}) | _P_SCOPE),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"}) | _P_SCOPE),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"}) | _P_SCOPE),
    "tr": (_ROWS - {"tbody", "thead", "tfoot"}, frozenset({"table", "tbody", "thead", "tfoot"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "tbody": (_ROWS, frozenset({"table"})),
    "thead": (_ROWS, frozenset({"table"})),
    "tfoot": (_ROWS, frozenset({"table"})),
    "option": (frozenset({"option"}), frozenset({"select", "datalist"})),
    "optgroup": (frozenset({"option", "optgroup"}), frozenset({"select"})),
}

# One token: a comment (``<!-->`` and ``--!>`` end one, as in HTML), a raw-text element with
# its content, a start or end tag (group 1: "/" or "", group 2: the name), or any other
# markup declaration. The regex engine skips the text between tokens.
_TOKEN = re.compile(
    r"<!--(?:-?>|.*?--!?>|.*\Z)"
    r"|<(/?)([A-Za-z][^\s/>]*)[^>]*>?"
    r"|<[!?][^>]*>?",
    re.S,
)
_RAW_END = {n: re.compile(rf"</{n}[\s/>]", re.I) for n in _RAW}


class _OpenElements:
    """The open element names, with the stack positions of each name, and the formatting
    elements a text run would re-open (one list per marker level, as html5ever keeps them)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.where: dict[str, list[int]] = {}
        self.active: list[list[tuple[str, str]]] = [[]]  # (name, the whole start tag)

    def push(self, name: str) -> None:
        self.where.setdefault(name, []).append(len(self.names))
        self.names.append(name)
        if name in _MARKERS:
            self.active.append([])

    def last(self, names: frozenset[str]) -> int:
        """Stack position of the innermost open element among ``names`` (-1: none)."""
        found = -1
        for name in names:
            places = self.where.get(name)
            if places and places[-1] > found:
                found = places[-1]
        return found

    def pop_to(self, index: int) -> None:
        """Close the element at ``index`` and everything opened inside it."""
        names, where, active = self.names, self.where, self.active
        while len(names) > index:
            name = names.pop()
            where[name].pop()
            if name in _MARKERS and len(active) > 1:
                active.pop()

    def close_implied(self, name: str) -> None:
        """What a start tag ``name`` closes: an open <p>, the previous <li>, cell, row ..."""
        if name in _CLOSES_P:
            p = self.where.get("p")
            if p and p[-1] > self.last(_P_SCOPE):
                self.pop_to(p[-1])
        implied = _IMPLIED.get(name)
        if implied is not None:
            boundary = self.last(implied[1])
            found = len(self.names)
            for closed in implied[0]:  # the outermost of them inside the boundary
                places = self.where.get(closed)
                if places and places[-1] > boundary:
                    found = min(found, places[bisect_right(places, boundary)])
            self.pop_to(found)

    def forget_formatting(self, name: str) -> None:
        """The innermost active ``name`` is closed (by its end tag, or by a new ``<a>``)."""
        active = self.active[-1]
        for i in range(len(active) - 1, -1, -1):
            if active[i][0] == name:
                del active[i]
                return

    def add_formatting(self, name: str, tag: str, limit: int) -> bool:
        """Remember a formatting start tag; False (not added) when ``limit`` are active.

        Like html5ever's "Noah's Ark", a fourth copy of the very same start tag replaces
        the first, so it never counts towards the limit."""
        active = self.active[-1]
        same = [i for i, entry in enumerate(active) if entry[1] == tag]
        if len(same) >= 3:
            del active[same[0]]
        elif len(active) >= limit:
            return False
        active.append((name, tag))
        return True


def limit_depth(html: str, max_depth: int = MAX_DEPTH, max_formatting: int = MAX_FORMATTING) -> str:
    """``html`` without the start tags that would nest deeper than ``max_depth`` or keep more
    than ``max_formatting`` formatting elements to re-open, nor their end tags; the same
    object when there are none. Linear in the length of ``html``."""
    stack = _OpenElements()
    names, where = stack.names, stack.where
    dropped: dict[str, int] = {}  # start tags dropped per name: as many end tags go too
    cuts: list[tuple[int, int]] = []
    pos, n = 0, len(html)
    token = _TOKEN.search
    while pos < n:
        m = token(html, pos)
        if m is None:
            break
        start, pos = m.span()
        closing, raw_name = m.group(1, 2)
        if raw_name is None:
            continue  # a comment, doctype or processing instruction
        name = raw_name.lower()
        if closing:
            if dropped.get(name):
                dropped[name] -= 1
                cuts.append((start, pos))
                continue
            if name in _FORMATTING:
                stack.forget_formatting(name)
            places = where.get(name)
            if places:
                stack.pop_to(places[-1])
            continue
        if name in _VOID:
            continue
        if name in _RAW_END:
            end = _RAW_END[name].search(html, pos)
            pos = n if end is None else end.start()
            continue
        if name == "plaintext":
            break  # the rest of the document is text
        stack.close_implied(name)
        formatting = name in _FORMATTING
        if formatting and name == "a":
            stack.forget_formatting("a")
        if len(names) >= max_depth or (
            formatting and not stack.add_formatting(name, m.group(0).lower(), max_formatting)
        ):
            dropped[name] = dropped.get(name, 0) + 1
            cuts.append((start, pos))
            continue
        stack.push(name)
    if not cuts:
        return html
    parts: list[str] = []
    kept = 0
    for cut_start, cut_end in cuts:
        parts.append(html[kept:cut_start])
        kept = cut_end
    parts.append(html[kept:])
    return "".join(parts)
