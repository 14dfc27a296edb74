"""Fuzzing the HTML sanitizer (depth pre-pass + nh3) and html_to_text with Hypothesis.

Random and hostile HTML never raises, and what comes out, read back by a real HTML parser,
has no script-capable element, no event-handler attribute and no script URL. Every example
has a deadline (deep nesting included), so a quadratic case fails the run.
"""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcore.core.mime.depth import limit_depth
from mailcore.core.mime.sanitize import bounded_sanitize, html_to_text, sanitize_html

FUZZ = settings(
    max_examples=80, deadline=1000, suppress_health_check=[HealthCheck.too_slow], database=None
)
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "form", "input", "style", "base", "meta"}
FORBIDDEN_TAGS |= {"svg", "math", "frame", "frameset", "link", "template", "textarea", "button"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "cite", "srcset"}
_SCHEME_NOISE = re.compile(r"[\x00-\x20\x7f]+")

TAGS = ["div", "p", "b", "i", "a", "font", "table", "tr", "td", "ul", "li", "span", "img"]
TAGS += ["script", "style", "iframe", "svg", "math", "form", "textarea", "title", "noscript"]
TAGS += ["select", "option", "template", "object", "blockquote", "pre", "xmp", "plaintext"]
ATTRIBUTES = [
    'onclick="alert(1)"', "onerror=alert(1)", "ONLOAD = 'x()'", 'href="javascript:alert(1)"',
    "href=JaVaScRiPt:alert(1)", 'href="java&#x09;script:alert(1)"', "href='&#106;avascript:x'",
    'src="data:text/html;base64,PHNjcmlwdD4="', 'src="vbscript:x"', 'style="color:red"',
    'style="background:url(javascript:x)"', 'xlink:href="javascript:x"', "formaction=javascript:x",
    'title="a>b"', "id=1", 'href="https://example.com/"', 'src="cid:a@b"', "/", "",
]  # fmt: skip
PIECES = [
    "<!--", "-->", "<!-->", "--!>", "<![CDATA[", "]]>", "</", "<", ">", "&lt;", "&#0;", "\x00",
    "javascript:", "text", "\ud800", "\u202e", "<?xml?>", "<!DOCTYPE html>", " ",
]  # fmt: skip


@st.composite
def start_tag(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(TAGS))
    if draw(st.booleans()):
        name = name.upper()
    attributes = draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=3))
    return f"<{name} {' '.join(attributes)}>"


end_tag = st.sampled_from(TAGS).map(lambda name: f"</{name}>")
html_soup = st.lists(
    start_tag() | end_tag | st.sampled_from(PIECES) | st.text(max_size=6), max_size=60
).map("".join)


@st.composite
def deep_html(draw: st.DrawFn) -> str:
    """Soup inside thousands of nested (or unclosed formatting) elements."""
    depth = draw(st.integers(100, 4000))
    outer = draw(st.sampled_from(["<div>", "<blockquote>", "<ul><li>", "<span>", "<b id=1>"]))
    closed = draw(st.booleans())
    inner = draw(html_soup)
    return outer * depth + inner + ("</div>" * depth if closed else "") + "<p>x</p>" * 50


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_safe(out: str) -> None:
    collector = _Collector()
    collector.feed(out)
    collector.close()
    for tag, attributes in collector.tags:
        assert tag not in FORBIDDEN_TAGS, out
        for name, value in attributes:
            assert not name.startswith("on"), out
            if name in URL_ATTRIBUTES and value:
                scheme = _SCHEME_NOISE.sub("", htmllib.unescape(value)).lower()
                assert not scheme.startswith(("javascript:", "vbscript:", "data:")), out
            if name == "style" and value:
                assert "url(" not in value.lower() and "expression" not in value.lower(), out
    assert "<script" not in out.lower()


@FUZZ
@given(html_soup)
def test_sanitized_soup_is_safe(html: str) -> None:
    assert_safe(sanitize_html(html))


@FUZZ
@given(deep_html())
def test_deep_html_is_sanitized_within_the_deadline_and_safe(html: str) -> None:
    out = bounded_sanitize(html)
    if out is not None:
        assert_safe(out)


@FUZZ
@given(html_soup)
def test_depth_pre_pass_only_removes_tags(html: str) -> None:
    out = limit_depth(html, max_depth=3, max_formatting=2)
    assert len(out) <= len(html)
    it = iter(html)  # what is left is a subsequence of the input
    assert all(ch in it for ch in out)
    assert_safe(sanitize_html(out))


@FUZZ
@given(html_soup | deep_html())
def test_html_to_text_never_raises(html: str) -> None:
    text = html_to_text(html)
    assert isinstance(text, str) and "\x00" not in text
