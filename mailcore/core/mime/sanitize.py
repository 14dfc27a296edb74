"""HTML for display: nh3 sanitizing of mail HTML, and a linear-time HTML to plain-text converter.

``sanitize_html`` is synchronous and CPU-bound; code that serves requests calls
``mailcore.core.mime.display.display_html`` instead, which runs it off the event loop, within a
time budget, and once per distinct HTML.
"""

from __future__ import annotations

import html as htmllib
import re

import nh3

from mailcore.core.mime.depth import limit_depth

_TAGS = set(nh3.ALLOWED_TAGS) | {"font", "tfoot", "caption", "u", "s", "big"}
_TAGS -= {"map", "area"}

_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"title", "dir", "lang", "align", "valign", "style"},
    "a": {"href", "hreflang", "name"},
    "img": {"src", "alt", "width", "height", "border", "hspace", "vspace"},
    "table": {"width", "height", "border", "cellpadding", "cellspacing", "bgcolor", "summary"},
    "tr": {"bgcolor", "height"},
    "td": {"width", "height", "bgcolor", "colspan", "rowspan", "nowrap", "headers"},
    "th": {"width", "height", "bgcolor", "colspan", "rowspan", "nowrap", "headers", "scope"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "hr": {"size", "width", "noshade"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "li": {"value"},
    "blockquote": {"cite", "type"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "bdo": {"dir"},
    "time": {"datetime"},
    "data": {"value"},
}

# Layout/typography only: nothing that loads URLs, positions over the UI, or hides content.
_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "font-variant", "text-align", "text-decoration", "text-indent",
    "text-transform", "line-height", "letter-spacing", "word-spacing", "white-space",
    "vertical-align", "direction", "width", "height", "max-width", "min-width",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left",
    "border-color", "border-style", "border-width", "border-collapse", "border-spacing",
    "border-radius", "list-style-type", "table-layout", "word-break", "overflow-wrap",
}  # fmt: skip

_SURROGATES = re.compile("[\ud800-\udfff]")

_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style", "title", "noscript", "template", "iframe", "object"},
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "cid", "tel"},
    link_rel="noopener noreferrer",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    filter_style_properties=_STYLE_PROPERTIES,
    url_relative="deny",
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Return mail HTML safe to embed: no scripts, handlers, forms, frames or dangerous URLs.

    Nesting beyond ``depth.MAX_DEPTH`` is flattened first: html5ever is quadratic in it."""
    if not html:
        return ""
    if not html.isascii() and _SURROGATES.search(html):
        html = _SURROGATES.sub("\ufffd", html)  # lone surrogates cannot cross into Rust
    return _CLEANER.clean(limit_depth(html.replace("\x00", "")))


def max_output(size: int) -> int:
    """The longest sanitized HTML shown for ``size`` characters of input (html5ever re-opens
    unclosed formatting elements, so a small input can grow many times over)."""
    return 4 * size + 256 * 1024


def bounded_sanitize(html: str) -> str | None:
    """``sanitize_html``, or None when the result grew beyond ``max_output``."""
    clean = sanitize_html(html)
    return clean if len(clean) <= max_output(len(html)) else None


_BLOCK = frozenset(
    "p div br tr li ul ol table tbody thead tfoot h1 h2 h3 h4 h5 h6 blockquote pre hr "
    "dl dt dd section article header footer address center form fieldset caption "
    "figure figcaption main nav aside details summary".split()
)
_PARA = frozenset("p h1 h2 h3 h4 h5 h6 blockquote pre table ul ol hr".split())
_SKIP = frozenset("script style head title noscript template xml svg object iframe".split())
_TAG_NAME = re.compile(r"(/?)\s*([a-zA-Z][a-zA-Z0-9:-]*)")
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_LINE_SPACES = re.compile(r"[ \t\f\v\u00a0\u200b]+")
_MANY_NL = re.compile(r"\n[ \n]*\n")
_BREAKS = re.compile(r"[ \x01\x02]*[\x01\x02][ \x01\x02]*")
_CLOSERS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"</\s*{name}\s*>", re.I) for name in _SKIP
}


def _resolve_break(m: re.Match[str]) -> str:
    """Adjacent block boundaries collapse: one paragraph break or one line break."""
    return "\n\n" if "\x02" in m.group() else "\n"


def html_to_text(html: str) -> str:
    """Plain text from HTML: tags dropped, block breaks kept, entities unescaped. Linear time."""
    if not html:
        return ""
    out: list[str] = []
    pos = 0
    n = len(html)
    pre = 0
    while pos < n:
        lt = html.find("<", pos)
        chunk = html[pos:] if lt < 0 else html[pos:lt]
        if chunk:
            if "\x01" in chunk or "\x02" in chunk:
                chunk = chunk.replace("\x01", "").replace("\x02", "")
            out.append(chunk if pre else _SPACES.sub(" ", chunk))
        if lt < 0:
            break
        if html.startswith("<!--", lt):
            close = html.find("-->", lt + 4)
            if close < 0:
                break
            pos = close + 3
            continue
        nxt = html[lt + 1 : lt + 2]
        if not (nxt.isascii() and (nxt.isalpha() or nxt in "/!?")):
            out.append("<")
            pos = lt + 1
            continue
        gt = html.find(">", lt + 1)
        if gt < 0:
            break
        pos = gt + 1
        m = _TAG_NAME.match(html, lt + 1, gt)
        if not m:
            continue
        closing, name = m.group(1), m.group(2).lower()
        if name in _SKIP and not closing:
            if html[gt - 1] == "/":
                continue
            end = _CLOSERS[name].search(html, pos)
            if end is None:
                break
            pos = end.end()
            continue
        if name == "pre":
            pre = max(0, pre - 1) if closing else pre + 1
        if name == "br":
            out.append("\n")
        elif name in _PARA:
            out.append("\x02")  # paragraph break marker, resolved below
        elif name in _BLOCK:
            out.append("\x01")  # line break marker
        elif name in ("td", "th") and not closing:
            out.append(" ")
        elif name == "img" and not closing:
            alt = re.search(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", html[lt:gt])
            if alt and (alt.group(1) or alt.group(2)):
                out.append(alt.group(1) or alt.group(2))
    text = _BREAKS.sub(_resolve_break, "".join(out))
    text = htmllib.unescape(text)
    text = _LINE_SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.strip() for line in text.split("\n")]
    text = _MANY_NL.sub("\n\n", "\n".join(lines))
    return text.replace("\x00", "").strip()
