"""display_html's machinery: a child process for large HTML, a time budget that kills it
and shows the text version, one computation per distinct HTML, and a bounded cache."""

from __future__ import annotations

import asyncio

from mailcore.core.mime.display import INLINE_CHARS, HtmlDisplay, text_version

DEEP = "<div>" * 100_000 + "<p onclick='x()'>deep</p>" + "</div>" * 100_000
# Unclosed formatting elements re-opened at every paragraph: seconds of work in html5ever.
SLOW = "<p>" + "".join(f"<b id={i}>" for i in range(12)) + "</p>" + "<p>x</p>" * 200_000


async def test_large_html_is_sanitized_in_a_child_once_for_concurrent_callers() -> None:
    display = HtmlDisplay(budget=60)
    try:
        answers = await asyncio.gather(*(display.show(DEEP, "deep") for _ in range(10)))
        assert len(set(answers)) == 1
        assert "deep" in answers[0] and "onclick" not in answers[0]
        assert answers[0].count("<div>") == 100
        assert display.computed == 1 and display.fallbacks == 0
        assert len(display.children.started) == 1  # a child process did the work
        assert await display.show(DEEP) is answers[0]  # from the cache
    finally:
        display.close()


async def test_over_the_budget_the_child_is_killed_and_the_text_shown_from_then_on() -> None:
    display = HtmlDisplay(budget=60)
    try:
        await display.show("<p>warm</p>" * (INLINE_CHARS // 10))  # the child is running
        [child] = display.children.started
        display.budget = 0.2
        answer = await display.show(SLOW, "the text version")
        assert answer == text_version("the text version")
        assert child.proc.wait(timeout=10) is not None  # killed, not left burning a core
        assert await display.show(SLOW, "other") == answer  # remembered: not tried again
        assert display.computed == 2 and display.fallbacks == 1
        display.budget = 60
        assert "deep" in await display.show(DEEP)  # a new child takes over
    finally:
        display.close()


async def test_html_over_the_size_limit_is_never_parsed() -> None:
    display = HtmlDisplay(max_chars=INLINE_CHARS * 2)
    try:
        html = "<p>a &amp; b</p>" * INLINE_CHARS
        assert await display.show(html, "a & b") == text_version("a & b")
        derived = await display.show(html + " ")  # no text given: derived from the HTML
        assert derived.startswith('<div class="qiyou-text"') and "<p>" not in derived
        assert derived.count("a &amp; b") == INLINE_CHARS
        assert display.children.started == []
    finally:
        display.close()


async def test_the_cache_is_bounded_in_bytes() -> None:
    display = HtmlDisplay(cache_bytes=10_000)
    try:
        for i in range(50):
            await display.show(f"<p>{i}</p>" + "<b>x</b>" * 300)
        assert display.cached_bytes <= 10_000
        assert 0 < len(display.cache) < 50
        assert display.children.started == []  # small HTML stays in this process
    finally:
        display.close()


async def test_large_mail_is_parsed_by_a_child_once_for_concurrent_readers() -> None:
    display = HtmlDisplay()
    loads = 0
    raw = (
        b"Subject: big\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + DEEP.encode() + b"\r\n"
    )

    async def load() -> bytes:
        nonlocal loads
        loads += 1
        return raw

    try:
        parsed = await asyncio.gather(*(display.parse("sha-big", load) for _ in range(10)))
        assert len({id(p) for p in parsed}) == 1 and loads == 1
        assert parsed[0].subject == "big" and "deep" in parsed[0].text
        assert parsed[0].html is not None and len(parsed[0].html) > len(DEEP)
        assert len(display.children.started) == 1
        assert await display.parse("sha-big", load) is parsed[0] and loads == 1
    finally:
        display.close()
