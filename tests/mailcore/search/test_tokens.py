"""Han/Kana pairs (``cjk_runs`` for documents, ``cjk_pairs`` for queries) against the analyzer:
a pair is indexed exactly where a phrase of its two characters matches."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcore.search.tokens import build_pairs_analyzer, cjk_pairs, cjk_runs, is_cjk, parse_query
from mailcore.search.tokens import tokens as analyzed

PAIRS = build_pairs_analyzer()
# Han, Kana, words, digits, _, punctuation, white space, emoji, controls (no combining marks:
# one between two Han characters counts as a gap for the pairs, not for the phrase).
ALPHABET = "会议室开和ひらカナabcXYZ019_ 。，！\n\t-.@😀\x1e"


def indexed_pairs(text: str) -> set[str]:
    return {pair for run in cjk_runs(text) for pair in PAIRS.analyze(run)}


def phrase_pairs(text: str) -> set[str]:
    words = [t.text for t in analyzed(text)]
    return {a + b for a, b in zip(words, words[1:], strict=False) if is_cjk(a) and is_cjk(b)}


def test_pairs_are_the_characters_a_phrase_sees_side_by_side() -> None:
    text = "明天在会议室开会。\n议程：开会，议 abc会x议 会_议 会2议 ひらがな"
    assert indexed_pairs(text) == phrase_pairs(text)
    assert {"会议", "议室", "室会", "议开"} & indexed_pairs(text) == {"会议", "议室"}
    assert "会议" in indexed_pairs("会\n议")  # a word broken over two lines
    assert "会议" in indexed_pairs("会_议")  # _ separates words, as punctuation does
    assert "会议" not in indexed_pairs("会x议") | indexed_pairs("会2议")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_pairs_match_the_analyzer_on_any_text(text: str) -> None:
    assert indexed_pairs(text) == phrase_pairs(text)


def test_query_pairs() -> None:
    assert [cjk_pairs(g) for g in parse_query("会议室 iPhone手机 会，议 会 会议会议")] == [
        ["会议", "议室"],
        ["手机"],
        ["会议"],
        [],
        ["会议", "议会"],
    ]
