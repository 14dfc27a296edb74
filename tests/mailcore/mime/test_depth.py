"""limit_depth: ordinary mail HTML passes unchanged; hostile nesting is flattened, linearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailcore.core.mime.depth import MAX_DEPTH, MAX_FORMATTING, limit_depth
from mailcore.core.mime.parse import parse_message
from mailcore.core.mime.sanitize import sanitize_html

CORPUS = sorted((Path(__file__).parents[2] / "data" / "mime").glob("*.eml"))

# Shapes of real mail: newsletters in nested layout tables, Outlook's unclosed <p> and
# <o:p>, lists without </li>, sloppy <font> left open in every cell, a long thread of
# quotes, comments and conditional comments, <pre> and <textarea> holding tag-like text.
NEWSLETTER = (
    "<!DOCTYPE html><html><head><style>td{padding:0}</style><!--[if mso]><xml>"
    "<o:OfficeDocumentSettings></o:OfficeDocumentSettings></xml><![endif]--></head><body>"
    + "<table><tr><td>" * 12
    + "".join(f"<p>Item {i}<font color=red>sale<p>more <b>bold" for i in range(300))
    + "</td></tr></table>" * 12
    + "<ul>"
    + "<li>one<li>two" * 200
    + "</ul><dl>"
    + "<dt>a<dd>b" * 200
    + "</dl><select>"
    + "<option>x" * 50
    + "</select>"
    + "<table>"
    + "<tr><td><font face=Arial>cell<td><a href='https://x.example'>link</a>" * 300
    + "</table>"
    + "<blockquote>quoted " * 40
    + "</blockquote>" * 40
    + "<pre><div><div><div></pre><textarea>"
    + "<div>" * 500
    + "</textarea>"
    + "<p class=MsoNormal>Outlook<o:p></o:p>" * 300
    + "</body></html>"
)


def test_ordinary_html_is_returned_unchanged() -> None:
    assert limit_depth(NEWSLETTER) is NEWSLETTER


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_html_is_returned_unchanged(path: Path) -> None:
    html = parse_message(path.read_bytes()).html
    if html:
        assert limit_depth(html) is html


def test_nesting_up_to_the_limit_is_kept() -> None:
    html = "<div>" * MAX_DEPTH + "x" + "</div>" * MAX_DEPTH
    assert limit_depth(html) is html


def test_deep_nesting_is_flattened_and_structure_kept() -> None:
    n = 100_000
    out = limit_depth("<div>" * n + "<p>deep</p>" + "</div>" * n + "<p>after</p>")
    assert out == "<div>" * MAX_DEPTH + "deep" + "</div>" * MAX_DEPTH + "<p>after</p>"


def test_unclosed_deep_nesting_is_flattened() -> None:
    out = limit_depth("<blockquote>" * 50_000 + "x")
    assert out == "<blockquote>" * MAX_DEPTH + "x"


def test_tags_hidden_in_comments_and_raw_text_do_not_count_but_empty_comments_end() -> None:
    hidden = "<!--" + "<div>" * 5000 + "--><script>" + "<div>" * 5000 + "</script>"
    assert limit_depth(hidden) is hidden
    # "<!-->" is a whole comment in HTML: what follows is markup, and is counted
    out = limit_depth("<!-->" + "<div>" * 5000 + "-->")
    assert out.count("<div>") == MAX_DEPTH


def test_formatting_elements_left_open_are_capped() -> None:
    opened = "".join(f"<b id={i}>" for i in range(1000))
    out = limit_depth("<p>" + opened + "</p>" + "<p>x</p>" * 10)
    assert out.count("<b ") == MAX_FORMATTING
    assert out.endswith("<p>x</p>" * 10)


def test_closed_formatting_elements_are_not_capped() -> None:
    html = "".join(f"<b id={i}>x</b><a href=#{i}>y</a>" for i in range(5000))
    assert limit_depth(html) is html


def test_flattened_html_sanitizes_fast_and_keeps_the_text() -> None:
    out = sanitize_html("<div>" * 100_000 + "<p>deep text</p>" + "</div>" * 100_000)
    assert "deep text" in out
    assert out.count("<div>") == MAX_DEPTH
