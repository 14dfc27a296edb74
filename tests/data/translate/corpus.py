"""The synthetic EN→ZH phrase corpus the tiny test model is trained on (and tests assert).

Every English sentence here translates to exactly its Chinese side with the built model;
tests and the benchmark compose mail from these sentences only.
"""

from __future__ import annotations

SUBJECTS = [
    ("The meeting", "会议"),
    ("The report", "报告"),
    ("The contract", "合同"),
    ("The invoice", "发票"),
    ("The project", "项目"),
    ("The budget", "预算"),
    ("The schedule", "日程"),
    ("The design", "设计"),
]

PREDICATES = [
    ("is ready.", "已经准备好了。"),
    ("starts on Monday.", "星期一开始。"),
    ("is on Friday.", "在星期五。"),
    ("needs your review.", "需要你审阅。"),
    ("was approved.", "已经批准了。"),
    ("is delayed.", "推迟了。"),
    ("is in the attachment.", "在附件里。"),
    ("looks good to me.", "我觉得很好。"),
]

SENTENCES = [
    ("Hello everyone.", "大家好。"),
    ("Thank you for your help.", "谢谢你的帮助。"),
    ("Please reply by email.", "请用邮件回复。"),
    ("Please call me tomorrow.", "请明天给我打电话。"),
    ("See you next week.", "下周见。"),
    ("Best regards.", "此致敬礼。"),
    ("We will discuss it in the office.", "我们会在办公室讨论。"),
    ("I am out of the office today.", "我今天不在办公室。"),
    ("Have a nice weekend.", "周末愉快。"),
]


def pairs() -> list[tuple[str, str]]:
    """Every (English, Chinese) sentence pair of the corpus, in a fixed order."""
    out = [(f"{en} {pen}", f"{zh}{pzh}") for en, zh in SUBJECTS for pen, pzh in PREDICATES]
    return out + SENTENCES


TRANSLATIONS: dict[str, str] = dict(pairs())
