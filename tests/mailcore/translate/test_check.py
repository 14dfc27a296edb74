"""What may be translated: language, length and content checks before a model runs."""

from __future__ import annotations

import pytest

from mailcore.core.config import Settings
from mailcore.translate.errors import TranslateError, TranslateErrorCode
from mailcore.translate.service import _check

SETTINGS = Settings(translate_max_chars=200)


def code_of(subject: str, text: str) -> TranslateErrorCode:
    with pytest.raises(TranslateError) as caught:
        _check(SETTINGS, subject, text, "zh")
    return caught.value.code


def test_english_mail_passes_with_its_subject_prefix() -> None:
    prefix, subject, doc = _check(SETTINGS, "Re: The report", "The report is ready.", "zh")
    assert (prefix, subject, doc.units()) == ("Re: ", "The report", ["The report is ready."])


def test_refusals() -> None:
    assert code_of("会议", "大家好，会议在星期五。") == TranslateErrorCode.ALREADY_CHINESE
    assert code_of("x", "Die Besprechung ist am Freitag und wir sind nicht fertig.") == (
        TranslateErrorCode.NOT_ENGLISH
    )
    assert code_of("", "> only a quote\n\n---") == TranslateErrorCode.EMPTY
    assert code_of("Long", "The report is ready. " * 20) == TranslateErrorCode.TOO_LONG


def test_english_reply_above_a_quoted_chinese_mail_is_english() -> None:
    text = "The budget was approved.\n\n> 大家好，会议在星期五。\n> 请用邮件回复。"
    prefix, subject, doc = _check(SETTINGS, "Re: 预算", text, "zh")
    assert doc.units() == ["The budget was approved."]
    assert (prefix, subject) == ("Re: 预算", "")  # a Chinese subject is kept as it is
