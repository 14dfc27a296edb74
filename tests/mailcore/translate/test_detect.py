"""The cheap language guess that keeps Chinese (and non-English) mail from being translated."""

from __future__ import annotations

import pytest

from mailcore.translate.detect import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The meeting is on Friday. Please reply by email.", "en"),
        ("Hello everyone, the report is ready.", "en"),
        ("大家好，会议在星期五。请用邮件回复。", "zh"),
        ("Hi Tom,\n会议改到星期五下午三点，地点在三楼会议室，请准时参加。", "zh"),
        ("会議は金曜日です。よろしくお願いします。", "ja"),
        ("회의는 금요일입니다.", "ko"),
        ("Bonjour, la réunion est pour vendredi et nous sommes prêts avec le rapport.", "fr"),
        ("Die Besprechung ist am Freitag und wir sind mit dem Bericht nicht fertig.", "de"),
        ("12345 -- 678", ""),
        ("", ""),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_english_mail_with_a_chinese_name_is_english() -> None:
    text = "Dear 王伟, the contract was approved. Please reply by email."
    assert detect_language(text) == "en"
