"""normalize_subject for conversation threading."""

from __future__ import annotations

import pytest

from mailcore.core.mime.subject import normalize_subject


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: 回复：Fwd: 会议", "会议"),
        ("Hello World", "hello world"),
        ("RE: re:Re : Hello", "hello"),
        ("Fw: FWD: fwd:Hello", "hello"),
        ("Re[2]: Re(3): Hello", "hello"),
        ("Re [2]: Hello", "hello"),
        ("AW: Sv: Antw: Hallo", "hallo"),
        ("回复: 回覆：答复：测试", "测试"),
        ("转发：轉寄: 转: 通知", "通知"),
        ("Ｒｅ：全角冒号", "全角冒号"),
        ("  Re:   lots    of\t spaces  ", "lots of spaces"),
        ("[dev] Re: Build broken", "[dev] build broken"),
        ("Re: [dev] Build broken", "[dev] build broken"),
        ("[dev] Re: [dev] Build broken", "[dev] build broken"),
        ("[dev] Build broken", "[dev] build broken"),
        ("Report: Q2", "report: q2"),
        ("Review: code", "review: code"),
        ("转让合同", "转让合同"),
        ("Re:", ""),
        ("", ""),
        ("STRASSE Straße", "strasse strasse"),
    ],
)
def test_normalize_subject(subject: str, expected: str) -> None:
    assert normalize_subject(subject) == expected


def test_reply_and_original_share_a_key() -> None:
    original = "季度 报告  Q2"
    for reply in ("Re: 季度 报告 Q2", "回复：季度 报告 Q2", "RE: Fwd: 季度   报告 Q2"):
        assert normalize_subject(reply) == normalize_subject(original)
