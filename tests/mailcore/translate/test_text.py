"""Mail text cut into translation units and put back with its layout."""

from __future__ import annotations

from mailcore.translate.text import prepare, split_subject, tidy, translate_document


def upper(units: list[str]) -> list[str]:
    return [u.upper() for u in units]


def test_paragraphs_and_lists_keep_their_layout() -> None:
    text = "Hello team.\n\nFirst point:\n- one item\n- two items\n\nBest regards.\nTom"
    assert translate_document(text, upper) == (
        "HELLO TEAM.\n\nFIRST POINT:\n- ONE ITEM\n- TWO ITEMS\n\nBEST REGARDS.\nTOM"
    )


def test_hard_wrapped_lines_become_one_unit() -> None:
    text = (
        "This is a long line of an English mail that a client wrapped at seventy\n"
        "characters for us.\n\nShort line.\nAnother short line."
    )
    doc = prepare(text)
    assert doc.units() == [
        "This is a long line of an English mail that a client wrapped at seventy "
        "characters for us.",
        "Short line.",
        "Another short line.",
    ]


def test_quotes_numbers_and_chinese_lines_are_kept() -> None:
    text = "Thanks.\n\n> quoted text\n> more\n\n2026-11-28 10:00\n\n会议在星期五。"
    assert translate_document(text, upper) == (
        "THANKS.\n\n> quoted text\n> more\n\n2026-11-28 10:00\n\n会议在星期五。"
    )


def test_windows_newlines_and_blank_runs() -> None:
    assert prepare("a b c\r\n\r\n\r\n\r\nd e f\r\n").units() == ["a b c", "d e f"]


def test_subject_prefixes() -> None:
    assert split_subject("Re: Fwd: The budget") == ("Re: Fwd: ", "The budget")
    assert split_subject("The budget") == ("", "The budget")


def test_tidy_removes_spaces_between_chinese_only() -> None:
    assert (
        tidy(" 会议在星期五。 请回复。 Qiyou Mail 很好 ") == "会议在星期五。请回复。Qiyou Mail 很好"
    )
